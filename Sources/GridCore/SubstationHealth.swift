/// Whether the balancer may route to a substation, from what its scrapes and dispatches tell.
///
/// A state machine in the swift-nio style: events in, the action for the owner out.
/// Down after `failuresToMarkDown` failed scrapes in a row or at once on a refused connection;
/// up again after one successful scrape.
public struct SubstationHealth: Equatable, Sendable {
    public enum State: Equatable, Sendable {
        /// Not scraped yet: nothing known, so nothing routed.
        case unknown
        case up
        /// Still routed to, with this many failed scrapes in a row.
        case failing(consecutiveFailures: Int)
        case down
    }

    public enum Action: Equatable, Sendable {
        case markedUp
        case markedDown
    }

    public static let failuresToMarkDown = 3
    public private(set) var state: State = .unknown

    public init() {}

    public var isUp: Bool {
        switch state {
        case .up, .failing: true
        case .unknown, .down: false
        }
    }

    public mutating func scrapeSucceeded() -> Action? {
        let wasUp = isUp
        state = .up
        return wasUp ? nil : .markedUp
    }

    /// A failed scrape or dispatch. `refused` is a refused connection: nobody is listening.
    public mutating func failed(refused: Bool) -> Action? {
        switch state {
        case .down:
            return nil
        case .unknown:
            state = .down
            return .markedDown
        case .up, .failing:
            let failures = (state == .up ? 0 : { if case .failing(let n) = state { n } else { 0 } }()) + 1
            if refused || failures >= Self.failuresToMarkDown {
                state = .down
                return .markedDown
            }
            state = .failing(consecutiveFailures: failures)
            return nil
        }
    }
}

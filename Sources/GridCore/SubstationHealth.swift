/// Whether the balancer may route to a substation, from what its scrapes and dispatches tell.
///
/// A state machine in the swift-nio style: events in, the action for the owner out.
/// Down after `failuresToMarkDown` failed scrapes in a row or at once on a refused connection;
/// up again after one successful scrape. With ejection (`ejectionBaseSeconds` > 0), as Envoy's
/// outlier detection does: the n-th time it goes down it stays out for base × 2^(n-1) seconds
/// (at most `maximumEjectionSeconds`) however well it scrapes meanwhile, so a flapping
/// substation is not taken back at once; after `forgiveAfterSeconds` up, the count starts again.
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
    public static let maximumEjectionSeconds = 30.0
    public static let forgiveAfterSeconds = 60.0
    public private(set) var state: State = .unknown
    public let ejectionBaseSeconds: Double
    /// How many times it has gone down since it was last forgiven.
    public private(set) var ejections = 0
    public private(set) var ejectedUntil = -Double.infinity
    /// When it last came back after being down, having been up before (not its first time up).
    public private(set) var cameBackAt: Double?
    private var upSince: Double?
    private var everUp = false

    public init(ejectionBaseSeconds: Double = 0) {
        self.ejectionBaseSeconds = ejectionBaseSeconds
    }

    public var isUp: Bool {
        switch state {
        case .up, .failing: true
        case .unknown, .down: false
        }
    }

    public mutating func scrapeSucceeded(at now: Double = 0) -> Action? {
        if state == .down, now < ejectedUntil { return nil }
        let wasUp = isUp
        if !wasUp {
            if everUp { cameBackAt = now }
            everUp = true
            upSince = now
        } else if let upSince, now - upSince >= Self.forgiveAfterSeconds {
            ejections = 0
        }
        state = .up
        return wasUp ? nil : .markedUp
    }

    /// A failed scrape or dispatch. `refused` is a refused connection: nobody is listening.
    public mutating func failed(refused: Bool, at now: Double = 0) -> Action? {
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
                upSince = nil
                if ejectionBaseSeconds > 0 {
                    ejections += 1
                    let period = min(Self.maximumEjectionSeconds, ejectionBaseSeconds * Double(1 << min(ejections - 1, 20)))
                    ejectedUntil = now + period
                }
                return .markedDown
            }
            state = .failing(consecutiveFailures: failures)
            return nil
        }
    }
}

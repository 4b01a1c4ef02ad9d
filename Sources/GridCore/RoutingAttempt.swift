/// The routing of one charge request, from first choice to admission or giving up: the rules the
/// live balancer and the simulator share.
///
/// Ask `next` for a substation; report back `admitted` or `refused` (a 409, a 5xx, a dead
/// substation). A substation already tried is never offered again; `next` returns nil when
/// every candidate has been tried.
public struct RoutingAttempt: Sendable {
    public let powerKW: Double
    /// Whether decisions count against the load view before the next scrape shows them.
    /// `false` reproduces routing on the last scrape alone (the design this project replaces).
    public let accountsOwnDispatches: Bool
    /// Substations offered so far, in order (a handful at most in practice).
    public private(set) var tried: [Int] = []
    private var current: (substation: Int, ticket: LoadView.DispatchTicket?)?

    public init(powerKW: Double, accountsOwnDispatches: Bool = true) {
        self.powerKW = powerKW
        self.accountsOwnDispatches = accountsOwnDispatches
    }

    /// The substation to try now, with the dispatch counted against it; nil when none is left.
    public mutating func next(
        view: inout LoadView, policy: inout RoutingPolicy, using generator: inout SeededGenerator
    ) -> RoutingCandidate? {
        let pool = view.pool(excluding: tried)
        guard let slot = policy.choose(in: pool, using: &generator) else { return nil }
        let candidate = RoutingCandidate(substation: slot, effectiveLoad: pool.effectiveLoad(slot))
        tried.append(candidate.substation)
        let ticket = accountsOwnDispatches ? view.reserve(candidate.substation, powerKW: powerKW) : nil
        current = (candidate.substation, ticket)
        return candidate
    }

    /// The substation last offered admitted the car at `time`.
    public mutating func admitted(view: inout LoadView, at time: Double) {
        if let ticket = current?.ticket { view.confirm(ticket, at: time) }
        current = nil
    }

    /// The substation last offered did not take the car; `failure` says if it could not be reached.
    @discardableResult
    public mutating func refused(view: inout LoadView, failure: LoadView.DispatchFailure? = nil) -> SubstationHealth.Action? {
        defer { current = nil }
        guard let current else { return nil }
        if let ticket = current.ticket { return view.release(ticket, failure: failure) }
        return nil
    }

    /// How many substations have been offered so far.
    public var attempts: Int { tried.count }
}

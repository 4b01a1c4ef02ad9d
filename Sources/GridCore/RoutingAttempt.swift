/// The routing of one charge request, from first choice to admission or giving up: the rules the
/// live balancer and the simulator share.
///
/// Ask `next` for a substation; report back `admitted` or `refused` (a 409, a 5xx, a dead
/// substation). Only substations the view says can admit are offered, a substation already
/// tried never again, at most `maxAttempts` in all, and every offer after the first spends a
/// retry from the shared `RetryBudget`. `next` returns nil when routing must stop; `stop` says why.
public struct RoutingAttempt: Sendable {
    public let powerKW: Double
    /// Substations offered at most, the first included (HAProxy's `retries` + 1).
    public let maxAttempts: Int
    /// Whether decisions count against the load view before the next scrape shows them.
    /// `false` reproduces routing on the last scrape alone (the design this project replaces).
    public let accountsOwnDispatches: Bool
    /// Substations offered so far, in order (a handful at most).
    public private(set) var tried: [Int] = []
    /// Why `next` stopped offering substations; nil while it has not.
    public private(set) var stop: Stop?
    private var current: (substation: Int, ticket: LoadView.DispatchTicket?)?

    public enum Stop: Sendable, Equatable {
        /// The view says no substation left can admit the car (or none is up).
        case noneCanAdmit
        /// `maxAttempts` substations were tried.
        case attemptLimit
        /// Retrying would overspend the retry budget.
        case retryBudget
    }

    public static let defaultMaxAttempts = 3

    public init(powerKW: Double, maxAttempts: Int = defaultMaxAttempts, accountsOwnDispatches: Bool = true) {
        precondition(maxAttempts >= 1, "a request is tried at least once")
        self.powerKW = powerKW
        self.maxAttempts = maxAttempts
        self.accountsOwnDispatches = accountsOwnDispatches
    }

    /// The substation to try now, with the dispatch counted against it; nil when routing stops.
    /// `time` is the clock of `budget`.
    public mutating func next(
        view: inout LoadView, policy: inout RoutingPolicy, budget: inout RetryBudget, at time: Double,
        using generator: inout SeededGenerator
    ) -> RoutingCandidate? {
        guard stop == nil else { return nil }
        if tried.isEmpty { budget.recordRequest(at: time) }
        guard tried.count < maxAttempts else {
            stop = .attemptLimit
            return nil
        }
        let candidate: RoutingCandidate
        do {
            // The pool shares the view's arrays: it is gone before `reserve` changes them, which
            // would otherwise copy them.
            let pool = view.pool(excluding: tried)
            guard pool.eligibleCount > 0 else {
                stop = .noneCanAdmit
                return nil
            }
            if !tried.isEmpty && !budget.spendRetry(at: time) {
                stop = .retryBudget
                return nil
            }
            guard let slot = policy.choose(in: pool, using: &generator) else {
                stop = .noneCanAdmit
                return nil
            }
            candidate = RoutingCandidate(substation: slot, effectiveLoad: pool.effectiveLoad(slot))
        }
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

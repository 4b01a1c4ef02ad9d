import GridCore
import NIOCore
import Synchronization

/// The load view and the routing policy behind one lock: each decision sees every earlier one.
public final class BalancerState: Sendable {
    struct Guarded: Sendable {
        var view: LoadView
        var policy: RoutingPolicy
        var generator: SeededGenerator
        var retryBudget: RetryBudget
    }

    private let guarded: Mutex<Guarded>
    private let decisions = Mutex<[RoutingDecisionRecord]>([])
    /// How many recent decisions `GET /substations` shows.
    static let recentDecisionLimit = 20

    func remember(_ decision: RoutingDecisionRecord) {
        decisions.withLock { list in
            list.insert(decision, at: 0)
            if list.count > Self.recentDecisionLimit { list.removeLast() }
        }
    }

    public var recentDecisions: [RoutingDecisionRecord] { decisions.withLock { $0 } }
    private let started = NIODeadline.now()

    /// A substation marked down stays out 1, 2, 4 ... (at most 30) seconds, by how often it has failed.
    static let ejectionBaseSeconds = 1.0
    /// A substation back from being down regains its share of traffic over this long.
    static let slowStartSeconds = 10.0

    public init(urls: [String], policy: PolicyName, seed: UInt64, retryBudget: RetryBudget = RetryBudget()) {
        guarded = Mutex(
            Guarded(
                view: LoadView(urls: urls, ejectionBaseSeconds: Self.ejectionBaseSeconds, slowStartSeconds: Self.slowStartSeconds),
                policy: RoutingPolicy(policy), generator: SeededGenerator(seed: seed), retryBudget: retryBudget))
    }

    /// Seconds since the balancer started: the clock of scrape ages. Read twice per car, so from
    /// whole nanoseconds (`ContinuousClock`'s `Duration` arithmetic showed in the profile).
    var now: Double {
        Double((NIODeadline.now() - started).nanoseconds) / 1e9
    }

    /// One routing decision: where to send the car now.
    struct Decision: Sendable {
        var substation: Int
        var url: String
        var substationLabel: String
        var effectiveLoad: Double
        var policy: PolicyName
    }

    /// The next substation for `attempt`, with the dispatch counted against it; nil when routing
    /// stops (`attempt.stop` says why).
    func decide(_ attempt: inout RoutingAttempt) -> Decision? {
        let time = now
        return guarded.withLock { state in
            guard
                let candidate = attempt.next(
                    view: &state.view, policy: &state.policy, budget: &state.retryBudget, at: time, using: &state.generator)
            else { return nil }
            let substation = state.view.substations[candidate.substation]
            return Decision(
                substation: candidate.substation, url: substation.url, substationLabel: substation.id ?? substation.url,
                effectiveLoad: candidate.effectiveLoad, policy: state.policy.name)
        }
    }

    func admitted(_ attempt: inout RoutingAttempt) {
        let time = now
        guarded.withLock { attempt.admitted(view: &$0.view, at: time) }
    }

    func refused(_ attempt: inout RoutingAttempt, failure: LoadView.DispatchFailure? = nil) {
        guarded.withLock { _ = attempt.refused(view: &$0.view, failure: failure) }
    }

    func withView<T>(_ body: (inout LoadView) -> T) -> T {
        guarded.withLock { body(&$0.view) }
    }

    public var view: LoadView { guarded.withLock { $0.view } }

    public var policy: PolicyName { guarded.withLock { $0.policy.name } }

    public func setPolicy(_ name: PolicyName) {
        guarded.withLock { $0.policy = RoutingPolicy(name) }
    }
}

import GridCore
import Synchronization

/// The load view and the routing policy behind one lock: each decision sees every earlier one.
public final class BalancerState: Sendable {
    struct Guarded: Sendable {
        var view: LoadView
        var policy: RoutingPolicy
        var generator: SeededGenerator
    }

    private let guarded: Mutex<Guarded>
    private let started = ContinuousClock.now

    public init(urls: [String], policy: PolicyName, seed: UInt64) {
        guarded = Mutex(Guarded(view: LoadView(urls: urls), policy: RoutingPolicy(policy), generator: SeededGenerator(seed: seed)))
    }

    /// Seconds since the balancer started: the clock of scrape ages.
    var now: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// One routing decision: the substation chosen, with the dispatch already counted against it.
    struct Decision: Sendable {
        var ticket: LoadView.DispatchTicket
        var url: String
        var substationLabel: String
        var effectiveLoad: Double
        var policy: PolicyName
    }

    func decide(powerKW: Double, excluding tried: Set<Int>) -> Decision? {
        guarded.withLock { state in
            let candidates = state.view.candidates(excluding: tried)
            guard let choice = state.policy.choose(among: candidates, using: &state.generator) else { return nil }
            let index = candidates[choice].substation
            let substation = state.view.substations[index]
            let ticket = state.view.reserve(index, powerKW: powerKW)
            return Decision(
                ticket: ticket, url: substation.url, substationLabel: substation.id ?? substation.url,
                effectiveLoad: candidates[choice].effectiveLoad, policy: state.policy.name)
        }
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

import GridCore
import GridHTTP
import Prometheus
import Synchronization

/// The balancer metrics of CONTRACT section 4, plus the calls to substations.
///
/// Each metric's help text is defined once, in `Help`: swift-prometheus stops the process when
/// the same name is registered with two different help texts.
public final class BalancerMetrics: Sendable {
    enum Help {
        static let routeDuration = "Time to route one charge request, retries included"
        static let rejected = "Charge requests the balancer could not place"
        static let retries = "Dispatches retried on another substation after a refusal or failure"
        static let decisions = "Charge requests routed to a substation that admitted them"
        static let scrapeErrors = "Failed scrapes of a substation's metrics"
        static let up = "1 when the balancer routes to the substation"
        static let effectiveLoad = "Scraped load plus the balancer's own dispatches since that scrape"
        static let calls =
            "Orders (POST /sessions) sent to a substation, by outcome; divide by balancer_route_duration_seconds_count for calls per request"
    }

    /// How one order sent to a substation ended.
    enum CallOutcome: String, CaseIterable, Sendable {
        case admitted
        /// 409: no room after all.
        case refused
        /// Another 4xx: the request itself is wrong.
        case invalid
        /// A 5xx from the substation itself.
        case serverError = "server-error"
        /// Timeout, broken connection, or a 502/504 from a proxy: the order may have landed.
        case fateUnknown = "fate-unknown"
        case connectionRefused = "connection-refused"

        init(status: Int) {
            switch status {
            case 201: self = .admitted
            case 409: self = .refused
            case 502, 504: self = .fateUnknown
            case 500...599: self = .serverError
            default: self = .invalid
            }
        }
    }

    let registry: PrometheusCollectorRegistry
    let routeDuration: DurationHistogram
    let retries: Counter

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        routeDuration = registry.durationHistogram(
            name: "balancer_route_duration_seconds",
            buckets: [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
            ],
            help: Help.routeDuration)
        for reason in ["no-capacity", "no-substation-available", "invalid"] {
            _ = registry.counter(
                name: "balancer_rejected_total", labels: [("reason", reason)], help: Help.rejected)
        }
        retries = registry.counter(
            name: "balancer_retries_total", help: Help.retries)
    }

    private struct DecisionKey: Hashable, Sendable {
        var substation: String
        var policy: PolicyName
    }

    private struct CallKey: Hashable, Sendable {
        var substation: String
        var outcome: CallOutcome
    }

    private let decisionCounters = CounterCache<DecisionKey>()
    private let callCounters = CounterCache<CallKey>()

    func decided(substation: String, policy: PolicyName) {
        decisionCounters.counter(DecisionKey(substation: substation, policy: policy)) {
            decisions(substation: substation, policy: policy)
        }.increment()
    }

    private func decisions(substation: String, policy: PolicyName) -> Counter {
        registry.counter(
            name: "balancer_decisions_total", labels: [("substation", substation), ("policy", policy.rawValue)],
            help: Help.decisions)
    }

    func called(substation: String, outcome: CallOutcome) {
        callCounters.counter(CallKey(substation: substation, outcome: outcome)) { calls(substation: substation, outcome: outcome) }
            .increment()
    }

    private func calls(substation: String, outcome: CallOutcome) -> Counter {
        registry.counter(
            name: "balancer_substation_calls_total", labels: [("substation", substation), ("outcome", outcome.rawValue)], help: Help.calls)
    }

    func rejected(reason: String) {
        rejections(reason: reason).increment()
    }

    private func rejections(reason: String) -> Counter {
        registry.counter(
            name: "balancer_rejected_total", labels: [("reason", reason)], help: Help.rejected)
    }

    func scrapeFailed(substation: String) {
        scrapeErrors(substation: substation).increment()
    }

    private func scrapeErrors(substation: String) -> Counter {
        registry.counter(
            name: "balancer_scrape_errors_total", labels: [("substation", substation)], help: Help.scrapeErrors)
    }

    /// Per-substation gauges by position in the view, with the label they were made with.
    private let substationGauges = Mutex<[Int: (label: String, up: Gauge, effectiveLoad: Gauge)]>([:])

    /// Gauges that mirror the load view, refreshed after every poll and before each exposition.
    /// A substation is labelled by its URL until its first scrape tells its id; the URL series
    /// is then removed, so no stale series lingers.
    /// Counters of every known substation exist from the start at 0, so that `rate()` and
    /// `increase()` see the first dispatch or failure (Prometheus cannot see a jump from nothing).
    func update(from view: LoadView, policy: PolicyName) {
        substationGauges.withLock { gauges in
            for (index, substation) in view.substations.enumerated() {
                let label = substation.id ?? substation.url
                if substation.vacant {
                    if let existing = gauges.removeValue(forKey: index) {
                        registry.unregisterGauge(existing.up)
                        registry.unregisterGauge(existing.effectiveLoad)
                    }
                    continue
                }
                if let id = substation.id {
                    _ = decisions(substation: id, policy: policy)
                    _ = scrapeErrors(substation: id)
                    for outcome in [CallOutcome.admitted, .refused] { _ = calls(substation: id, outcome: outcome) }
                }
                if let existing = gauges[index], existing.label != label {
                    registry.unregisterGauge(existing.up)
                    registry.unregisterGauge(existing.effectiveLoad)
                    gauges[index] = nil
                }
                let entry =
                    gauges[index]
                    ?? (
                        label,
                        registry.gauge(
                            name: "balancer_substation_up", labels: [("substation", label)],
                            help: Help.up),
                        registry.gauge(
                            name: "balancer_substation_effective_load", labels: [("substation", label)],
                            help: Help.effectiveLoad)
                    )
                gauges[index] = entry
                entry.up.set(substation.health.isUp ? 1.0 : 0.0)
                let load = substation.effectiveLoad
                entry.effectiveLoad.set(load.isFinite ? load : 0)
            }
        }
    }
}

import GridCore
import GridHTTP
import Prometheus

/// The waiting list in `/metrics`: its length, how long admitted cars waited, how waits ended.
final class WaitingListMetrics: Sendable {
    let length: Gauge
    private let waited: DurationHistogram
    private let outcomes: [WaitingLine.Ending: Counter]

    init(registry: PrometheusCollectorRegistry) {
        length = registry.gauge(name: "gateway_queue_length", help: "Cars waiting for a free charging point")
        waited = registry.durationHistogram(
            name: "gateway_queue_wait_seconds",
            buckets: [.seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(900), .seconds(3600)],
            help: "How long cars waited in the line before they were admitted")
        var outcomes: [WaitingLine.Ending: Counter] = [:]
        for ending in [WaitingLine.Ending.admitted, .expired, .cancelled] {
            outcomes[ending] = registry.counter(
                name: "gateway_queue_outcomes_total", labels: [("outcome", ending.rawValue)],
                help: "Waits ended: admitted, expired or cancelled")
        }
        self.outcomes = outcomes
    }

    func ended(_ ending: WaitingLine.Ending, waited seconds: Double, length count: Int) {
        outcomes[ending]?.increment()
        if ending == .admitted { waited.record(.milliseconds(Int64(max(0, seconds) * 1000))) }
        length.set(Double(count))
    }
}

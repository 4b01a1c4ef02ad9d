import GridCore
import Prometheus

/// `substation_sessions_ending{within_seconds}`: sessions expected to end within each horizon
/// of real time, so the balancer can tell a waiting driver when a point frees.
final class SessionEndingMetrics: Sendable {
    static let name = "substation_sessions_ending"
    private let gauges: [Gauge]

    init(registry: PrometheusCollectorRegistry, substationId: String) {
        gauges = SessionEndings.horizons.map { horizon in
            registry.gauge(
                name: Self.name, labels: [("substation", substationId), ("within_seconds", Self.label(horizon))],
                help: "Sessions expected to end (complete at their present power, or depart) within within_seconds real seconds")
        }
    }

    static func label(_ horizon: Double) -> String { String(Int(horizon)) }

    func update(from endings: SessionEndings) {
        for (gauge, count) in zip(gauges, endings.counts) { gauge.set(Double(count)) }
    }
}

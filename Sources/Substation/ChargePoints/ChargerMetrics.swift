import GridHTTP
import OCPPCore
import Prometheus

/// Per-charger series beside the substation's own: link state, connectors, power, limits and overdraws.
final class ChargerMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let substationId: String

    init(registry: PrometheusCollectorRegistry, substationId: String) {
        self.registry = registry
        self.substationId = substationId
    }

    private func labels(_ chargePointId: String) -> [(String, String)] {
        [("substation", substationId), ("charge_point", chargePointId)]
    }

    func update(from chargePoints: [ChargePoint], meteredKW: [String: Double], limitsSentW: [String: Double]) {
        for chargePoint in chargePoints {
            registry.gauge(
                name: "substation_charger_connected", labels: labels(chargePoint.id),
                help: "1 while the charge point's OCPP link is up, 0 after it dropped"
            ).set(chargePoint.connected ? 1.0 : 0.0)
            registry.gauge(
                name: "substation_charger_connectors", labels: labels(chargePoint.id), help: "Connectors (EVSEs) the charge point reported"
            ).set(Double(chargePoint.connectors.count))
            registry.gauge(
                name: "substation_charger_power_watts", labels: labels(chargePoint.id),
                help: "Power the charge point's fresh meter readings report, over its transactions"
            ).set((meteredKW[chargePoint.id] ?? 0) * 1000)
            registry.gauge(
                name: "substation_charger_limit_watts", labels: labels(chargePoint.id),
                help: "Transaction limits last sent to the charge point (SetChargingProfile TxProfile), over its transactions"
            ).set(limitsSentW[chargePoint.id] ?? 0)
            _ = overdrawCounter(chargePoint.id)
        }
    }

    func overdraw(_ chargePointId: String) {
        overdrawCounter(chargePointId).increment()
    }

    private func overdrawCounter(_ chargePointId: String) -> Counter {
        registry.counter(
            name: "substation_charger_overdraw_total", labels: labels(chargePointId),
            help: "Meter readings above the charge point's limit beyond the tolerance")
    }
}

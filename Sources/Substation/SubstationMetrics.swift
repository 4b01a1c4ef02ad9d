import GridCore
import GridHTTP
import Prometheus
import Synchronization

/// The substation metrics of CONTRACT section 4, in base units, refreshed from a snapshot
/// just before each scrape; plus `substation_point_max_watts`, so a balancer reserves what a
/// point will grant.
public final class SubstationMetrics: Sendable {
    private let load: Gauge
    private let capacity: Gauge
    private let power: Gauge
    private let evPower: Gauge
    private let baseLoad: Gauge
    private let chargingPoints: Gauge
    private let pointMax: Gauge
    private let activeSessions: Gauge
    private let sessions: [String: Counter]
    private let energy: Counter
    private let energyRequested: Counter
    private let energyUnmet: Counter
    /// What the counters have been advanced to, so each refresh adds only what is new.
    private let exported = Mutex<(counts: SessionOutcomeCounts, energyKWh: Double, requestedKWh: Double, unmetKWh: Double)>(
        (SessionOutcomeCounts(), 0, 0, 0))

    public init(registry: PrometheusCollectorRegistry, substationId: String) {
        let label = [("substation", substationId)]
        load = registry.gauge(
            name: "substation_load", labels: label,
            help: "(base load + requested power of active sessions) / capacity; above 1 means sessions are throttled")
        capacity = registry.gauge(name: "substation_capacity_watts", labels: label, help: "Transformer capacity")
        power = registry.gauge(name: "substation_power_watts", labels: label, help: "Total draw: base load plus EV charging")
        evPower = registry.gauge(name: "substation_ev_power_watts", labels: label, help: "Power drawn by EV charging sessions")
        baseLoad = registry.gauge(name: "substation_base_load_watts", labels: label, help: "Non-EV demand")
        chargingPoints = registry.gauge(name: "substation_charging_points", labels: label, help: "Charging points installed")
        pointMax = registry.gauge(
            name: "substation_point_max_watts", labels: label, help: "Most power one charging point delivers to a session")
        activeSessions = registry.gauge(name: "substation_active_sessions", labels: label, help: "Sessions now charging")
        var sessions: [String: Counter] = [:]
        for (outcome, _) in SessionOutcomeCounts().byOutcome {
            sessions[outcome] = registry.counter(
                name: "substation_sessions_total", labels: label + [("outcome", outcome)],
                help: "Sessions by outcome: admitted, rejected, completed, departed, cancelled")
        }
        self.sessions = sessions
        energy = registry.counter(
            name: "substation_energy_delivered_joules_total", labels: label, help: "Energy delivered to vehicles")
        energyRequested = registry.counter(
            name: "substation_energy_requested_joules_total", labels: label, help: "Energy asked for by the sessions admitted")
        energyUnmet = registry.counter(
            name: "substation_energy_unmet_joules_total", labels: label,
            help: "Energy still owed to sessions that departed before they were full")
    }

    public func update(from snapshot: SubstationSnapshot) {
        load.set(snapshot.load)
        capacity.set(snapshot.spec.capacityKW * 1000)
        power.set(snapshot.powerKW * 1000)
        evPower.set(snapshot.evPowerKW * 1000)
        baseLoad.set(snapshot.baseLoadKW * 1000)
        chargingPoints.set(Double(snapshot.spec.chargingPoints))
        pointMax.set(snapshot.spec.pointMaxKW * 1000)
        activeSessions.set(Double(snapshot.activeSessions))
        exported.withLock { exported in
            let before = Dictionary(uniqueKeysWithValues: exported.counts.byOutcome.map { ($0.outcome, $0.count) })
            for (outcome, count) in snapshot.counts.byOutcome where count > before[outcome, default: 0] {
                sessions[outcome]?.increment(by: Int64(count - before[outcome, default: 0]))
            }
            if snapshot.energyDeliveredKWh > exported.energyKWh {
                energy.increment(by: (snapshot.energyDeliveredKWh - exported.energyKWh) * 3_600_000)
            }
            if snapshot.energyRequestedKWh > exported.requestedKWh {
                energyRequested.increment(by: (snapshot.energyRequestedKWh - exported.requestedKWh) * 3_600_000)
            }
            if snapshot.energyUnmetKWh > exported.unmetKWh {
                energyUnmet.increment(by: (snapshot.energyUnmetKWh - exported.unmetKWh) * 3_600_000)
            }
            exported = (
                snapshot.counts, max(exported.energyKWh, snapshot.energyDeliveredKWh),
                max(exported.requestedKWh, snapshot.energyRequestedKWh), max(exported.unmetKWh, snapshot.energyUnmetKWh)
            )
        }
    }
}

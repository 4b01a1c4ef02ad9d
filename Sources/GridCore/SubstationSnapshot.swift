/// A substation's figures at one moment: what `/metrics` exports and what the balancer routes on.
public struct SubstationSnapshot: Codable, Equatable, Sendable {
    public var spec: SubstationSpec
    public var baseLoadKW: Double
    public var evPowerKW: Double
    public var requestedPowerKW: Double
    public var activeSessions: Int
    public var counts: SessionOutcomeCounts
    public var energyDeliveredKWh: Double
    /// Energy asked for by every session admitted.
    public var energyRequestedKWh: Double = 0
    /// Energy still owed to sessions that departed before they were full.
    public var energyUnmetKWh: Double = 0

    /// Total draw from the transformer: base load plus EVs. Never above capacity: water-filling
    /// shares at most capacity minus base load, and the clamp removes floating-point dust from the sum.
    public var powerKW: Double { min(spec.capacityKW, baseLoadKW + evPowerKW) }

    /// (base load + requested power of active sessions) / capacity: 0 idle, 1 fully subscribed,
    /// above 1 oversubscribed (sessions are throttled, never the transformer).
    public var load: Double { spec.capacityKW > 0 ? (baseLoadKW + requestedPowerKW) / spec.capacityKW : 0 }
}

import GridCore

/// One substation in the balancer's `GET /substations` answer.
public struct SubstationStatus: Codable, Equatable, Sendable {
    public var id: String?
    public var url: String
    public var up: Bool
    public var health: String
    public var drained: Bool
    /// Gone from service discovery: draining.
    public var retired: Bool
    public var discovered: Bool
    /// `substation_load` at the last scrape.
    public var load: Double?
    /// Scraped load plus the balancer's dispatches since that scrape.
    public var effectiveLoad: Double?
    public var pendingDispatches: Int
    /// Of those, the ones not answered yet: among nearly equal loads, the fewest wins the next car.
    public var inFlightDispatches: Int
    public var capacityKW: Double?
    public var powerKW: Double?
    public var activeSessions: Int?
    public var chargingPoints: Int?
    /// Energy delivered since the substation started, and asked for by the sessions it admitted.
    public var energyDeliveredKWh: Double?
    public var energyRequestedKWh: Double?
    public var lastScrapeAgeSeconds: Double?
    /// Sessions expected to end within each horizon (real seconds, as the key), when the substation says.
    public var sessionsEndingWithin: [String: Int]?
    /// Real charge points, for a substation that manages some.
    public var chargers: [ChargerFigure]?

    init(_ substation: LoadView.Substation, now: Double) {
        id = substation.id
        url = substation.url
        up = substation.health.isUp
        health =
            switch substation.health.state {
            case .unknown: "unknown"
            case .up: "up"
            case .failing: "failing"
            case .down: "down"
            }
        drained = substation.drained
        retired = substation.retired
        discovered = substation.discovered
        load = substation.figures?.load
        effectiveLoad = substation.effectiveLoad.isFinite ? substation.effectiveLoad : nil
        pendingDispatches = substation.pendingDispatches
        inFlightDispatches = substation.inFlightDispatches
        capacityKW = substation.figures?.capacityKW
        powerKW = substation.figures?.powerKW
        activeSessions = substation.figures?.activeSessions
        chargingPoints = substation.figures?.chargingPoints
        energyDeliveredKWh = substation.figures?.energyDeliveredKWh
        energyRequestedKWh = substation.figures?.energyRequestedKWh
        lastScrapeAgeSeconds = substation.lastScrapeAt.map { max(0, now - $0) }
        sessionsEndingWithin = substation.figures?.endings.map(SessionEndings.byHorizon)
        chargers = substation.figures.flatMap { $0.chargers.isEmpty ? nil : $0.chargers }
    }
}

/// The balancer's whole view, as `GET /substations` answers it.
public struct BalancerView: Codable, Equatable, Sendable {
    public var policy: PolicyName
    /// Where loads come from: `scrape` or `prometheus=URL`.
    public var loadSource: String
    public var substations: [SubstationStatus]
    /// The latest routing decisions, newest first.
    public var recentDecisions: [RoutingDecisionRecord]
}

/// One car placed: where, and how loaded that substation looked when it was chosen.
public struct RoutingDecisionRecord: Codable, Equatable, Sendable {
    public var vehicleId: String
    public var substationId: String
    public var effectiveLoad: Double
    public var policy: PolicyName
    /// Wall-clock time, RFC 3339.
    public var at: String
}

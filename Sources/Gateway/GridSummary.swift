import GridCore

/// `GET /api/v1/grid`: every substation as the balancer sees it (CONTRACT section 3).
public struct GridSummary: Codable, Equatable, Sendable {
    public struct Substation: Codable, Equatable, Sendable {
        public var id: String?
        public var url: String
        public var up: Bool
        public var drained: Bool?
        public var retired: Bool?
        public var load: Double?
        public var effectiveLoad: Double?
        public var capacityKW: Double?
        public var powerKW: Double?
        public var activeSessions: Int?
        public var chargingPoints: Int?
        /// Sessions expected to end within each horizon (real seconds, as the key).
        public var sessionsEndingWithin: [String: Int]?
        /// Energy delivered since the substation started, and asked for by its sessions.
        public var energyDeliveredKWh: Double?
        public var energyRequestedKWh: Double?
        /// Real charge points, for a substation that manages some (OCPP).
        public var chargers: [ChargerFigure]?
    }

    /// One routing decision of the balancer, newest first.
    public struct Decision: Codable, Equatable, Sendable {
        public var vehicleId: String
        public var substationId: String
        public var effectiveLoad: Double
        public var policy: String
        public var at: String
    }

    public var policy: String
    public var substations: [Substation]
    public var recentDecisions: [Decision]?
}

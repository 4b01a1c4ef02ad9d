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

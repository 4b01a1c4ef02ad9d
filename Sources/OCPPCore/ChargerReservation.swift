/// A connector held for a booking until a transaction starts with it or it expires.
public struct ChargerReservation: Equatable, Sendable {
    public let id: Int
    public let chargePointId: String
    public let connectorId: Int
    public let sessionId: String
    public let idTag: String
    public let expiresAt: Double
    /// The charger accepted it (and the session was admitted); until then it only holds the connector.
    public var accepted = false
}

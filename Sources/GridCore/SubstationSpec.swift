/// The fixed facts of a substation: who it is and what its hardware can do.
public struct SubstationSpec: Codable, Equatable, Sendable {
    public var id: String
    public var capacityKW: Double
    public var chargingPoints: Int
    public var pointMaxKW: Double

    public init(id: String, capacityKW: Double, chargingPoints: Int, pointMaxKW: Double) {
        self.id = id
        self.capacityKW = capacityKW
        self.chargingPoints = chargingPoints
        self.pointMaxKW = pointMaxKW
    }

    /// Admission keeps every session, the new one included, at or above this power (CONTRACT section 2).
    public static let minimumSessionPowerKW = 1.4
}

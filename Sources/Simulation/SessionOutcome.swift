/// What became of one session of a replayed trace: a row of `simulate --sessions-out`.
public struct SessionOutcome: Codable, Equatable, Sendable {
    public var id: String
    /// Where it charged; for a refused car, the substation the trace named (nil: none).
    public var substationId: String?
    public var admitted: Bool
    public var energyRequestedKWh: Double
    public var energyDeliveredKWh: Double
    /// completed, departed, charging (still at the end of the replay) or rejected.
    public var status: String
    /// Simulated seconds at which it ended (a refused car: its arrival); nil while charging.
    public var endedAt: Double?

    /// A demand counts as met when less than this is missing (ACN-Sim's criterion: 0.1 kWh).
    public static let nearlyMetKWh = 0.1
}

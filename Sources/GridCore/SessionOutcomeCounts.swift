/// How many sessions a substation has admitted, refused and ended, by outcome, since it started.
public struct SessionOutcomeCounts: Codable, Equatable, Sendable {
    public var admitted = 0
    public var rejected = 0
    public var completed = 0
    public var departed = 0
    public var cancelled = 0

    public init() {}

    mutating func count(ended status: ChargingSession.Status) {
        switch status {
        case .completed: completed += 1
        case .departed: departed += 1
        case .cancelled: cancelled += 1
        case .charging: break
        }
    }

    /// Outcome label values as exported in `substation_sessions_total{outcome=...}`.
    public var byOutcome: [(outcome: String, count: Int)] {
        [("admitted", admitted), ("rejected", rejected), ("completed", completed), ("departed", departed), ("cancelled", cancelled)]
    }
}

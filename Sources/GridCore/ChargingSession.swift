/// One car on one charging point: how much it wants, what it has got, and where it is in its life.
///
/// The lifecycle is a small state machine: `charging` ends exactly once, as `completed` (energy
/// delivered), `departed` (departure time came first) or `cancelled` (the driver left early).
/// Every transition out of `charging` frees the point; none leads back.
public struct ChargingSession: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case charging, completed, departed, cancelled
    }

    /// What a transition asks the owner to do.
    public enum Transition: Equatable, Sendable {
        /// The session ended now with this status: free its point and count the outcome.
        case ended(Status)
        /// Nothing changes: the session had already ended.
        case alreadyEnded
    }

    public let id: String
    public let vehicleId: String
    public let energyRequestedKWh: Double
    public private(set) var energyDeliveredKWh: Double
    /// min(the car's maximum, the point's maximum): what it would draw if power were plentiful.
    public let requestedPowerKW: Double
    /// What it draws now, after water-filling.
    public internal(set) var powerKW: Double
    /// Simulated seconds at which it was admitted, and at which it leaves (if the driver said).
    public let startedAtSimulatedSeconds: Double
    public let departureAtSimulatedSeconds: Double?
    /// Wall-clock admission time, seconds since 1970, for `createdAt`.
    public let createdAtEpochSeconds: Double
    /// Simulated seconds at which it ended; nil while charging.
    public internal(set) var endedAtSimulatedSeconds: Double?
    public private(set) var status: Status

    public init(
        id: String, request: ChargeRequest, pointMaxKW: Double, startedAt: Double, createdAtEpochSeconds: Double
    ) {
        self.id = id
        self.vehicleId = request.vehicleId
        self.energyRequestedKWh = request.energyKWh
        self.energyDeliveredKWh = 0
        self.requestedPowerKW = min(request.maxPowerKW, pointMaxKW)
        self.powerKW = 0
        self.startedAtSimulatedSeconds = startedAt
        self.departureAtSimulatedSeconds = request.departureMinutes.map { startedAt + $0 * 60 }
        self.createdAtEpochSeconds = createdAtEpochSeconds
        self.status = .charging
    }

    public var remainingKWh: Double { max(0, energyRequestedKWh - energyDeliveredKWh) }

    /// Energy below this is treated as delivered, so floating-point dust cannot keep a session alive.
    static let energyTolerance = 1e-9

    /// Delivers `kWh` (never beyond the request); ends the session when the request is met.
    mutating func deliver(kWh: Double) -> Transition? {
        guard status == .charging else { return .alreadyEnded }
        energyDeliveredKWh = min(energyRequestedKWh, energyDeliveredKWh + max(0, kWh))
        if remainingKWh <= Self.energyTolerance {
            energyDeliveredKWh = energyRequestedKWh
            return end(as: .completed)
        }
        return nil
    }

    /// Ends the session if its departure time has come by `now`.
    mutating func departIfDue(now: Double) -> Transition? {
        guard status == .charging, let departure = departureAtSimulatedSeconds, now >= departure else { return nil }
        return end(as: .departed)
    }

    mutating func cancel() -> Transition {
        guard status == .charging else { return .alreadyEnded }
        return end(as: .cancelled)
    }

    /// The car stopped taking energy before its request was met: it ends as completed.
    mutating func stop() -> Transition {
        guard status == .charging else { return .alreadyEnded }
        return end(as: .completed)
    }

    private mutating func end(as status: Status) -> Transition {
        self.status = status
        self.powerKW = 0
        return .ended(status)
    }
}

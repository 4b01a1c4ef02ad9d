/// One charge point as the central system knows it: its link, its connectors (each one a
/// charging point of the substation) and the station-wide limits last sent to it.
public struct ChargePoint: Equatable, Sendable {
    public enum RateUnit: String, Equatable, Sendable {
        case watts = "W"
        case amperes = "A"
    }

    /// A connector (OCPP 1.6) or EVSE (OCPP 2.0.1): where one car charges.
    public struct Connector: Equatable, Sendable {
        /// As the charger last reported it (`Available`, `Charging`, `Occupied`, ...).
        public var status: String
        public var reservationId: Int?
        /// The transaction running on it, if any.
        public var transactionId: String?

        public init(status: String = "Available") {
            self.status = status
        }

        /// Free for a booking: the charger says it is available and nothing holds it.
        public var isFree: Bool {
            reservationId == nil && transactionId == nil && status == "Available"
        }
    }

    public let id: String
    public var version: OCPPVersion
    public var connected: Bool
    /// Which connection is the current one: a newer link replaces an older one with the same id.
    public var generation: Int
    public var disconnectedAt: Double?
    public var booted = false
    public var lastSeen: Double
    public var connectors: [Int: Connector] = [:]
    public var rateUnit: RateUnit = .watts
    public var sentStationMaxKW: Double?
    public var sentDefaultKW: Double?
    public var overdraws = 0

    public init(id: String, version: OCPPVersion, generation: Int, now: Double) {
        self.id = id
        self.version = version
        self.connected = true
        self.generation = generation
        self.lastSeen = now
    }

    /// A limit in this charger's unit: watts, or amperes on three phases at 230 V.
    func rate(kW: Double) -> Double {
        switch rateUnit {
        case .watts: (kW * 1000).rounded(.down)
        case .amperes: (kW * 1000 / (3 * 230) * 10).rounded(.down) / 10
        }
    }
}

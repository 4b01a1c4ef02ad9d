/// A transaction on a connector: the substation session it is, and what is known of its draw.
public struct ChargerTransaction: Equatable, Sendable {
    public struct Key: Hashable, Sendable {
        public var chargePointId: String
        public var transactionId: String
    }

    public let key: Key
    public let connectorId: Int
    /// The substation session this transaction is; nil when admission refused it.
    public let sessionId: String?
    public let startedAt: Double
    public var meteredKW: Double?
    public var meteredAt: Double?
    /// The TxProfile limit last sent, in kW.
    public var limitSentKW: Double?
    public var triggeredAt: Double?
    /// The session ended on the substation's side and the charger was asked to stop.
    public var stopRequested = false

    /// The last reading is fresh at `now`.
    func isFresh(now: Double, staleAfter: Double) -> Bool {
        guard let meteredAt else { return false }
        return now - meteredAt <= staleAfter
    }
}

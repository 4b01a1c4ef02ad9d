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
    /// The limit before the last fall, and when it fell: the charger may still draw up to it for a while.
    public var limitBeforeFallKW: Double?
    public var limitFellAt: Double?
    public var triggeredAt: Double?
    /// The session ended on the substation's side and the charger was asked to stop.
    public var stopRequested = false

    /// The most the charger may draw at `now`: its limit, or the one before a recent fall.
    func permittedKW(now: Double, grace: Double) -> Double? {
        guard let limitSentKW else { return nil }
        guard let limitFellAt, let before = limitBeforeFallKW, now - limitFellAt < grace else { return limitSentKW }
        return max(limitSentKW, before)
    }

    /// Records a new limit sent at `now`.
    mutating func send(limitKW: Double, now: Double) {
        if let previous = limitSentKW, limitKW < previous {
            limitBeforeFallKW = permittedKW(now: now, grace: .infinity) ?? previous
            limitFellAt = now
        }
        limitSentKW = limitKW
    }

    /// The last reading is fresh at `now`.
    func isFresh(now: Double, staleAfter: Double) -> Bool {
        guard let meteredAt else { return false }
        return now - meteredAt <= staleAfter
    }
}

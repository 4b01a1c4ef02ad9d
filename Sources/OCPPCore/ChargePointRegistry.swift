import GridCore

/// Every charge point of one substation, as values: what each one said, which transactions run
/// on which connectors, which sessions of the substation they are, and what limits were sent.
///
/// Pure: messages, ticks and bookings come in with the time, and what to send comes out as
/// `OCPPEffect`s. Power is shared by the substation's own `SubstationModel` (passed in): a
/// transaction is a session of that model, and the model's allocation is the limit sent.
public struct ChargePointRegistry: Sendable {
    public let substationId: String
    public let settings: OCPPSettings
    /// The base load never goes above this: the default profiles of all chargers leave it room.
    public let peakBaseLoadKW: Double
    public internal(set) var chargePoints: [String: ChargePoint] = [:]
    public internal(set) var transactions: [ChargerTransaction.Key: ChargerTransaction] = [:]
    public internal(set) var reservations: [Int: ChargerReservation] = [:]
    /// The connector each booking was given (kept after it ends, so a read still names it).
    public internal(set) var bookings: [String: Booking] = [:]
    var transactionOfSession: [String: ChargerTransaction.Key] = [:]
    /// Transactions that ended: a late event of one (a meter update in flight when it stopped)
    /// must not start it again. The oldest are forgotten past a bound.
    var endedTransactions: Set<ChargerTransaction.Key> = []
    var pending: [String: PendingCall] = [:]
    var nextMessage = 1
    var nextTransaction = 1
    var nextReservation = 1
    var nextSession = 1
    var nextGeneration = 1

    /// Where a booked session charges.
    public struct Booking: Equatable, Sendable {
        public var chargePointId: String
        public var connectorId: Int
        public var transactionId: String?

        public init(chargePointId: String, connectorId: Int, transactionId: String? = nil) {
            self.chargePointId = chargePointId
            self.connectorId = connectorId
            self.transactionId = transactionId
        }
    }

    /// A call sent to a charger, waiting for its answer.
    enum PendingCall: Equatable {
        case profile(chargePointId: String)
        case reserve(reservationId: Int)
        case rateUnit(chargePointId: String)
        case other(action: String)
    }

    public init(substationId: String, settings: OCPPSettings, peakBaseLoadKW: Double) {
        self.substationId = substationId
        self.settings = settings
        self.peakBaseLoadKW = peakBaseLoadKW
    }

    /// A charge point opened its link; returns the generation that names this connection.
    public mutating func connect(_ id: String, version: OCPPVersion, now: Double) -> Int {
        let generation = nextGeneration
        nextGeneration += 1
        if var known = chargePoints[id] {
            known.version = version
            known.connected = true
            known.generation = generation
            known.disconnectedAt = nil
            known.lastSeen = now
            // Whatever it had may be lost with the link: send every limit again.
            known.sentStationMaxKW = nil
            known.sentDefaultKW = nil
            chargePoints[id] = known
            for key in transactions.keys where key.chargePointId == id { transactions[key]?.limitSentKW = nil }
        } else {
            chargePoints[id] = ChargePoint(id: id, version: version, generation: generation, now: now)
        }
        return generation
    }

    /// That connection closed (a newer one with the same id is left alone).
    public mutating func disconnect(_ id: String, generation: Int, now: Double) {
        guard chargePoints[id]?.generation == generation else { return }
        chargePoints[id]?.connected = false
        chargePoints[id]?.disconnectedAt = now
    }

    /// Handles one text frame from a charge point: the answer to send first, then any calls it leads to.
    public mutating func receive(
        _ text: String, from id: String, now: Double, epochSeconds: Double, model: inout SubstationModel
    ) -> [OCPPEffect] {
        guard var chargePoint = chargePoints[id] else { return [] }
        chargePoint.lastSeen = now
        chargePoints[id] = chargePoint
        let version = chargePoint.version
        switch OCPPFrame.parse(text) {
        case .failure(let malformed):
            return [
                .send(
                    chargePointId: id,
                    text: OCPPFrame.callError(
                        id: malformed.messageId, code: OCPPErrorCode.formatViolation.name(in: version), description: malformed.reason
                    )
                    .text),
                .warning("charge point \(id) sent a frame that could not be read: \(malformed.reason)"),
            ]
        case .success(.call(let messageId, let action, let payload)):
            var followUps: [OCPPEffect] = []
            do {
                guard
                    let answer = try handle(
                        action: action, payload: payload, from: id, now: now, epochSeconds: epochSeconds, model: &model,
                        followUps: &followUps)
                else {
                    return [
                        .send(
                            chargePointId: id,
                            text: OCPPFrame.callError(
                                id: messageId, code: OCPPErrorCode.notImplemented.name(in: version), description: "unknown action \(action)"
                            ).text),
                        .warning("charge point \(id) called an unknown action \(action)"),
                    ]
                }
                return [.send(chargePointId: id, text: OCPPFrame.callResult(id: messageId, payload: answer).text)] + followUps
            } catch {
                return [
                    .send(
                        chargePointId: id,
                        text: OCPPFrame.callError(id: messageId, code: error.code.name(in: version), description: error.description).text),
                    .warning("charge point \(id) sent a \(action) that breaks the schema: \(error.description)"),
                ]
            }
        case .success(.callResult(let messageId, let payload)):
            return answered(messageId, payload: payload, from: id)
        case .success(.callError(let messageId, let code, let description)):
            guard let call = pending.removeValue(forKey: messageId) else { return [] }
            if case .rateUnit = call {
                return [.notice("charge point \(id) did not say which rate unit it takes (\(code)): limits go in W")]
            }
            var effects: [OCPPEffect] = [.warning("charge point \(id) answered \(call) with \(code): \(description)")]
            if case .reserve(let reservationId) = call {
                effects.append(.reservationAnswered(reservationId: reservationId, accepted: false))
            }
            return effects
        }
    }

    /// A charger's answer to a call of ours.
    mutating func answered(_ messageId: String, payload: JSONValue, from id: String) -> [OCPPEffect] {
        guard let call = pending.removeValue(forKey: messageId) else { return [] }
        let status: String? = if case .string(let text) = payload["status"] { text } else { nil }
        switch call {
        case .reserve(let reservationId):
            return [.reservationAnswered(reservationId: reservationId, accepted: status == "Accepted")]
        case .profile(let chargePointId):
            return status == "Accepted"
                ? [] : [.warning("charge point \(chargePointId) did not accept a charging profile (\(status ?? "no status"))")]
        case .rateUnit(let chargePointId):
            // 1.6 GetConfiguration: ChargingScheduleAllowedChargingRateUnit is "Current", "Power" or both;
            // 2.0.1 GetVariables: SmartChargingCtrlr.RateUnit is "A", "W" or both. Watts unless only amperes.
            var allowed: String?
            if case .array(let keys) = payload["configurationKey"] {
                for key in keys where key["key"] == .string("ChargingScheduleAllowedChargingRateUnit") {
                    if case .string(let value) = key["value"] { allowed = value.contains("Power") ? "W" : "A" }
                }
            }
            if case .array(let results) = payload["getVariableResult"] {
                for result in results where result["attributeStatus"] == .string("Accepted") {
                    if case .string(let value) = result["attributeValue"] { allowed = value.contains("W") ? "W" : "A" }
                }
            }
            let unit: ChargePoint.RateUnit = allowed == "A" ? .amperes : .watts
            if chargePoints[chargePointId]?.rateUnit != unit {
                chargePoints[chargePointId]?.rateUnit = unit
                forgetLimitsSent(to: chargePointId)
                return [.notice("charge point \(chargePointId) takes limits in \(unit.rawValue)")]
            }
            return []
        case .other:
            return []
        }
    }

    /// Makes the next tick send every limit to that charger again.
    mutating func forgetLimitsSent(to id: String) {
        chargePoints[id]?.sentStationMaxKW = nil
        chargePoints[id]?.sentDefaultKW = nil
        for key in transactions.keys where key.chargePointId == id { transactions[key]?.limitSentKW = nil }
    }

    /// A call to a charger, remembered until it answers.
    mutating func call(_ action: String, _ payload: JSONValue, to id: String, as pendingCall: PendingCall) -> OCPPEffect {
        let messageId = "sg-\(nextMessage)"
        nextMessage += 1
        pending[messageId] = pendingCall
        return .send(chargePointId: id, text: OCPPFrame.call(id: messageId, action: action, payload: payload).text)
    }

    /// The connector and transaction a booked session was given, if it was booked here.
    public func booking(of sessionId: String) -> Booking? {
        bookings[sessionId]
    }
}

import GridCore

extension ChargePointRegistry {
    private static let connectorStatuses16: Set<String> = [
        "Available", "Preparing", "Charging", "SuspendedEVSE", "SuspendedEV", "Finishing", "Reserved", "Unavailable", "Faulted",
    ]
    private static let connectorStatuses201: Set<String> = ["Available", "Occupied", "Reserved", "Unavailable", "Faulted"]
    private static let idTokenTypes: Set<String> = [
        "Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "NoAuthorization",
    ]

    /// The answer to a CALL, or nil for an action this central system does not know.
    mutating func handle(
        action: String, payload: JSONValue, from id: String, now: Double, epochSeconds: Double, model: inout SubstationModel,
        followUps: inout [OCPPEffect]
    ) throws(PayloadReader.Violation) -> JSONValue? {
        guard let version = chargePoints[id]?.version else { return nil }
        let reader = try PayloadReader(payload)
        let time = JSONValue.string(OCPPTime.text(epochSeconds: epochSeconds))
        switch (version, action) {
        case (.v16, "BootNotification"):
            _ = try reader.string("chargePointVendor")
            _ = try reader.string("chargePointModel")
            followUps += boot(id, now: now, epochSeconds: epochSeconds, model: model)
            return .object([
                "status": .string("Accepted"), "currentTime": time, "interval": .number(Double(settings.heartbeatIntervalSeconds)),
            ])
        case (.v201, "BootNotification"):
            let station = try reader.object("chargingStation")
            _ = try station.string("model")
            _ = try station.string("vendorName")
            _ = try reader.string("reason")
            followUps += boot(id, now: now, epochSeconds: epochSeconds, model: model)
            return .object([
                "status": .string("Accepted"), "currentTime": time, "interval": .number(Double(settings.heartbeatIntervalSeconds)),
            ])
        case (_, "Heartbeat"):
            return .object(["currentTime": time])
        case (.v16, "StatusNotification"):
            let connector = try reader.integer("connectorId")
            _ = try reader.string("errorCode")
            let status = try reader.oneOf("status", Self.connectorStatuses16)
            if connector > 0 { chargePoints[id]?.connectors[connector, default: .init()].status = status }
            return .object([:])
        case (.v201, "StatusNotification"):
            _ = try reader.string("timestamp")
            let status = try reader.oneOf("connectorStatus", Self.connectorStatuses201)
            let evse = try reader.integer("evseId")
            _ = try reader.integer("connectorId")
            if evse > 0 { chargePoints[id]?.connectors[evse, default: .init()].status = status }
            return .object([:])
        case (.v16, "Authorize"):
            let tag = try reader.string("idTag")
            return .object(["idTagInfo": .object(["status": .string(settings.accepts(tag: tag) ? "Accepted" : "Invalid")])])
        case (.v201, "Authorize"):
            let token = try reader.object("idToken")
            let tag = try token.string("idToken")
            _ = try token.oneOf("type", Self.idTokenTypes)
            return .object(["idTokenInfo": .object(["status": .string(settings.accepts(tag: tag) ? "Accepted" : "Invalid")])])
        case (.v16, "StartTransaction"):
            let connector = try reader.integer("connectorId")
            let tag = try reader.string("idTag")
            _ = try reader.integer("meterStart")
            _ = try reader.string("timestamp")
            let reservationId = try reader.optionalInteger("reservationId")
            let transactionId = String(nextTransaction)
            nextTransaction += 1
            let status = start(
                transactionId, on: connector, of: id, tag: tag, reservationId: reservationId, now: now, epochSeconds: epochSeconds,
                model: &model)
            followUps += limitEffects(now: now, epochSeconds: epochSeconds, model: model)
            return .object(["transactionId": .number(Double(transactionId)!), "idTagInfo": .object(["status": .string(status)])])
        case (.v16, "StopTransaction"):
            let transactionId = String(try reader.integer("transactionId"))
            _ = try reader.integer("meterStop")
            _ = try reader.string("timestamp")
            let tag = try reader.optionalString("idTag")
            if let data = try reader.optionalArray("transactionData") { _ = try MeterReading.powerKW(data, version: version) }
            end(ChargerTransaction.Key(chargePointId: id, transactionId: transactionId), model: &model)
            followUps += limitEffects(now: now, epochSeconds: epochSeconds, model: model)
            guard let tag else { return .object([:]) }
            return .object(["idTagInfo": .object(["status": .string(settings.accepts(tag: tag) ? "Accepted" : "Invalid")])])
        case (.v16, "MeterValues"):
            let connector = try reader.integer("connectorId")
            let transactionId = try reader.optionalInteger("transactionId").map(String.init)
            let power = try MeterReading.powerKW(try reader.array("meterValue"), version: version)
            if let power,
                let key = transactionId.map({ ChargerTransaction.Key(chargePointId: id, transactionId: $0) })
                    ?? transactionKey(id, connector)
            {
                followUps += metered(key, kW: power, now: now)
            }
            return .object([:])
        case (.v201, "MeterValues"):
            let evse = try reader.integer("evseId")
            let power = try MeterReading.powerKW(try reader.array("meterValue"), version: version)
            if let power, let key = transactionKey(id, evse) { followUps += metered(key, kW: power, now: now) }
            return .object([:])
        case (.v201, "TransactionEvent"):
            return try transactionEvent(reader, from: id, now: now, epochSeconds: epochSeconds, model: &model, followUps: &followUps)
        case (.v16, "DataTransfer"):
            _ = try reader.string("vendorId")
            return .object(["status": .string("UnknownVendorId")])
        case (.v16, "DiagnosticsStatusNotification"), (.v16, "FirmwareStatusNotification"), (.v201, "FirmwareStatusNotification"),
            (.v201, "SecurityEventNotification"), (.v201, "NotifyEvent"), (.v201, "NotifyReport"), (.v201, "LogStatusNotification"):
            return .object([:])
        default:
            return nil
        }
    }

    /// OCPP 2.0.1 TransactionEvent: Started admits a session (or takes the booked one), Updated
    /// carries meter readings, Ended ends the session.
    private mutating func transactionEvent(
        _ reader: PayloadReader, from id: String, now: Double, epochSeconds: Double, model: inout SubstationModel,
        followUps: inout [OCPPEffect]
    ) throws(PayloadReader.Violation) -> JSONValue {
        let eventType = try reader.oneOf("eventType", ["Started", "Updated", "Ended"])
        _ = try reader.string("timestamp")
        _ = try reader.string("triggerReason")
        _ = try reader.integer("seqNo")
        let transactionId = try reader.object("transactionInfo").string("transactionId")
        let evse = try reader.optionalObject("evse").map { reader throws(PayloadReader.Violation) in try reader.integer("id") }
        let token = try reader.optionalObject("idToken")
        let tag = try token?.string("idToken")
        let reservationId = try reader.optionalInteger("reservationId")
        let power = try reader.optionalArray("meterValue").flatMap { values throws(PayloadReader.Violation) in
            try MeterReading.powerKW(values, version: .v201)
        }
        let key = ChargerTransaction.Key(chargePointId: id, transactionId: transactionId)
        var status = tag.map { settings.accepts(tag: $0) ? "Accepted" : "Invalid" }
        if eventType != "Ended", transactions[key] == nil, !endedTransactions.contains(key) {
            let connector = evse ?? chargePoints[id]?.connectors.first(where: { $0.value.transactionId == nil })?.key ?? 1
            let outcome = start(
                transactionId, on: connector, of: id, tag: tag ?? "", reservationId: reservationId, now: now,
                epochSeconds: epochSeconds, model: &model)
            if outcome != "Accepted" {
                status = outcome
                followUps.append(
                    call(
                        "RequestStopTransaction", .object(["transactionId": .string(transactionId)]), to: id,
                        as: .other(action: "RequestStopTransaction")))
            }
        }
        if let power { followUps += metered(key, kW: power, now: now) }
        if eventType == "Ended" { end(key, model: &model) }
        followUps += limitEffects(now: now, epochSeconds: epochSeconds, model: model)
        guard let status else { return .object([:]) }
        return .object(["idTokenInfo": .object(["status": .string(status)])])
    }

    /// After a boot: ask a 1.6 charger which rate unit it takes, and send its station limits.
    private mutating func boot(_ id: String, now: Double, epochSeconds: Double, model: SubstationModel) -> [OCPPEffect] {
        chargePoints[id]?.booted = true
        var effects: [OCPPEffect] = [.notice("charge point \(id) booted (\(chargePoints[id]?.version.rawValue ?? ""))")]
        switch chargePoints[id]?.version {
        case .v16:
            effects.append(
                call(
                    "GetConfiguration", .object(["key": .array([.string("ChargingScheduleAllowedChargingRateUnit")])]), to: id,
                    as: .rateUnit(chargePointId: id)))
        case .v201:
            let request: JSONValue = .object([
                "component": .object(["name": .string("SmartChargingCtrlr")]), "variable": .object(["name": .string("RateUnit")]),
            ])
            effects.append(call("GetVariables", .object(["getVariableData": .array([request])]), to: id, as: .rateUnit(chargePointId: id)))
        case nil:
            break
        }
        return effects + limitEffects(now: now, epochSeconds: epochSeconds, model: model)
    }

    /// The transaction running on a connector of a charger.
    func transactionKey(_ id: String, _ connector: Int) -> ChargerTransaction.Key? {
        chargePoints[id]?.connectors[connector]?.transactionId.map { ChargerTransaction.Key(chargePointId: id, transactionId: $0) }
    }

    /// Starts a transaction: it becomes the booked session when it comes with that booking's
    /// reservation, else a new session if the substation admits it. Returns the authorization status.
    mutating func start(
        _ transactionId: String, on connector: Int, of id: String, tag: String, reservationId: Int?, now: Double, epochSeconds: Double,
        model: inout SubstationModel
    ) -> String {
        var sessionId: String?
        var status = "Accepted"
        let held = chargePoints[id]?.connectors[connector]?.reservationId
        if let reservation = (reservationId ?? held).flatMap({ reservations[$0] }), reservation.chargePointId == id, reservation.accepted,
            reservationId != nil || reservation.idTag == tag
        {
            sessionId = reservation.sessionId
            reservations[reservation.id] = nil
            chargePoints[id]?.connectors[reservation.connectorId]?.reservationId = nil
            bookings[reservation.sessionId]?.transactionId = transactionId
        } else if !settings.accepts(tag: tag) {
            status = "Invalid"
        } else {
            let newId = "ocpp-\(Int(epochSeconds))-\(nextSession)"
            nextSession += 1
            let vehicle = ChargeRequest.isValidIdentifier(tag) ? tag : "ocpp"
            let request = ChargeRequest(
                vehicleId: vehicle, energyKWh: ChargeRequest.energyRange.upperBound, maxPowerKW: model.spec.pointMaxKW)
            switch model.admit(id: newId, request: request, createdAtEpochSeconds: epochSeconds) {
            case .success: sessionId = newId
            case .failure: status = "Blocked"
            }
        }
        let key = ChargerTransaction.Key(chargePointId: id, transactionId: transactionId)
        transactions[key] = ChargerTransaction(key: key, connectorId: connector, sessionId: sessionId, startedAt: now)
        if let sessionId { transactionOfSession[sessionId] = key }
        chargePoints[id]?.connectors[connector, default: .init(status: "Occupied")].transactionId = transactionId
        return status
    }

    /// The charger ended a transaction: its session completes with the energy it got.
    mutating func end(_ key: ChargerTransaction.Key, model: inout SubstationModel) {
        guard let transaction = transactions.removeValue(forKey: key) else { return }
        if endedTransactions.count >= 10_000 { endedTransactions.removeAll(keepingCapacity: true) }
        endedTransactions.insert(key)
        if chargePoints[key.chargePointId]?.connectors[transaction.connectorId]?.transactionId == key.transactionId {
            chargePoints[key.chargePointId]?.connectors[transaction.connectorId]?.transactionId = nil
        }
        if let sessionId = transaction.sessionId {
            transactionOfSession[sessionId] = nil
            _ = model.complete(id: sessionId)
        }
    }

    /// A meter reading: fresh from now on; beyond its limit and the tolerance, an overdraw.
    mutating func metered(_ key: ChargerTransaction.Key, kW: Double, now: Double) -> [OCPPEffect] {
        guard var transaction = transactions[key] else { return [] }
        transaction.meteredKW = kW
        transaction.meteredAt = now
        transactions[key] = transaction
        guard let limit = transaction.permittedKW(now: now, grace: settings.overdrawGraceSeconds),
            kW > limit * (1 + settings.overdrawTolerance) + settings.overdrawMarginKW
        else { return [] }
        chargePoints[key.chargePointId]?.overdraws += 1
        let message =
            "charge point \(key.chargePointId) overdraws: transaction \(key.transactionId) draws \(Self.kW(kW)) kW over its limit of \(Self.kW(limit)) kW; counted at what it draws"
        return [.warning(message), .overdraw(chargePointId: key.chargePointId)]
    }

    static func kW(_ value: Double) -> String {
        String((value * 10).rounded() / 10)
    }
}

import GridCore

extension ChargePointRegistry {
    /// Each connector's default limit, for transactions the link cannot reach: all connectors at
    /// once stay within capacity minus the highest base load.
    public func defaultLimitKW(spec: SubstationSpec) -> Double {
        let connectors = chargePoints.values.reduce(0) { $0 + $1.connectors.count }
        return max(0, spec.capacityKW - peakBaseLoadKW) / Double(max(spec.chargingPoints, connectors, 1))
    }

    /// A station's maximum: all its connectors at full power, never more than the transformer.
    func stationMaxKW(_ chargePoint: ChargePoint, spec: SubstationSpec) -> Double {
        min(Double(max(1, chargePoint.connectors.count)) * spec.pointMaxKW, spec.capacityKW)
    }

    /// The profiles that are due: station maximum and default to every charger that has not got
    /// the current ones, and each transaction's allocation when it fell, or rose past the threshold.
    mutating func limitEffects(now: Double, epochSeconds: Double, model: SubstationModel) -> [OCPPEffect] {
        var effects: [OCPPEffect] = []
        let defaultKW = defaultLimitKW(spec: model.spec)
        for id in chargePoints.keys.sorted() {
            guard let chargePoint = chargePoints[id], chargePoint.connected, chargePoint.booted else { continue }
            let maximum = stationMaxKW(chargePoint, spec: model.spec)
            if chargePoint.sentStationMaxKW.map({ abs($0 - maximum) > 0.001 }) ?? true {
                chargePoints[id]?.sentStationMaxKW = maximum
                effects.append(profile(.stationMax, connector: 0, kW: maximum, to: chargePoint, epochSeconds: epochSeconds))
            }
            if chargePoint.sentDefaultKW.map({ abs($0 - defaultKW) > 0.001 }) ?? true {
                chargePoints[id]?.sentDefaultKW = defaultKW
                effects.append(profile(.txDefault, connector: 0, kW: defaultKW, to: chargePoint, epochSeconds: epochSeconds))
            }
        }
        for key in transactions.keys.sorted(by: { ($0.chargePointId, $0.transactionId) < ($1.chargePointId, $1.transactionId) }) {
            guard let transaction = transactions[key], let sessionId = transaction.sessionId, !transaction.stopRequested,
                let chargePoint = chargePoints[key.chargePointId], chargePoint.connected,
                let session = model.session(id: sessionId), session.status == .charging
            else { continue }
            let allocation = session.powerKW
            let due =
                transaction.limitSentKW.map {
                    allocation < $0 - settings.decreaseResendKW || allocation > $0 + settings.profileThresholdKW
                } ?? true
            guard due else { continue }
            transactions[key]?.send(limitKW: allocation, now: now)
            effects.append(
                profile(
                    .tx(transactionId: key.transactionId), connector: transaction.connectorId, kW: allocation, to: chargePoint,
                    epochSeconds: epochSeconds))
        }
        return effects
    }

    private mutating func profile(
        _ purpose: ChargingProfileRequest.Purpose, connector: Int, kW: Double, to chargePoint: ChargePoint, epochSeconds: Double
    ) -> OCPPEffect {
        let payload = ChargingProfileRequest.payload(
            version: chargePoint.version, purpose: purpose, connector: connector, limit: chargePoint.rate(kW: kW),
            unit: chargePoint.rateUnit,
            epochSeconds: epochSeconds)
        return call("SetChargingProfile", payload, to: chargePoint.id, as: .profile(chargePointId: chargePoint.id))
    }

    /// Once a second: transactions of chargers offline too long end, reservations expire,
    /// sessions the substation ended are stopped at the charger, stale meters are asked for a
    /// reading, and due limits go out.
    public mutating func tick(now: Double, epochSeconds: Double, model: inout SubstationModel) -> [OCPPEffect] {
        var effects: [OCPPEffect] = []
        for (key, transaction) in transactions.sorted(by: { $0.key.transactionId < $1.key.transactionId }) {
            guard let chargePoint = chargePoints[key.chargePointId] else { continue }
            if !chargePoint.connected, let since = chargePoint.disconnectedAt, now - since >= settings.offlineTimeoutSeconds {
                effects.append(
                    .warning(
                        "charge point \(key.chargePointId) offline for \(Int(now - since)) s: transaction \(key.transactionId) no longer counted"
                    ))
                if let sessionId = transaction.sessionId { _ = model.cancel(id: sessionId) }
                end(key, model: &model)
                continue
            }
            if let sessionId = transaction.sessionId, !transaction.stopRequested, chargePoint.connected,
                let session = model.session(id: sessionId), session.status != .charging
            {
                transactions[key]?.stopRequested = true
                effects.append(.notice("session \(sessionId) \(session.status.rawValue): asking charge point \(key.chargePointId) to stop"))
                effects.append(stopCall(key, version: chargePoint.version))
                continue
            }
            if chargePoint.connected, !transaction.isFresh(now: now, staleAfter: settings.meterStaleAfterSeconds),
                now - max(transaction.startedAt, transaction.triggeredAt ?? -.infinity) >= settings.meterStaleAfterSeconds
            {
                transactions[key]?.triggeredAt = now
                effects.append(triggerCall(key, connector: transaction.connectorId, version: chargePoint.version))
            }
        }
        for (id, reservation) in reservations.sorted(by: { $0.key < $1.key }) where reservation.accepted {
            let session = model.session(id: reservation.sessionId)
            if now >= reservation.expiresAt {
                effects.append(.notice("reservation \(id) on \(reservation.chargePointId) connector \(reservation.connectorId) expired"))
                _ = model.cancel(id: reservation.sessionId)
                release(id)
            } else if session == nil || session?.status != .charging {
                effects.append(
                    call(
                        "CancelReservation", .object(["reservationId": .number(Double(id))]), to: reservation.chargePointId,
                        as: .other(action: "CancelReservation")))
                release(id)
            }
        }
        return effects + limitEffects(now: now, epochSeconds: epochSeconds, model: model)
    }

    private mutating func stopCall(_ key: ChargerTransaction.Key, version: OCPPVersion) -> OCPPEffect {
        switch version {
        case .v16:
            call(
                "RemoteStopTransaction", .object(["transactionId": .number(Double(key.transactionId) ?? 0)]), to: key.chargePointId,
                as: .other(action: "RemoteStopTransaction"))
        case .v201:
            call(
                "RequestStopTransaction", .object(["transactionId": .string(key.transactionId)]), to: key.chargePointId,
                as: .other(action: "RequestStopTransaction"))
        }
    }

    private mutating func triggerCall(_ key: ChargerTransaction.Key, connector: Int, version: OCPPVersion) -> OCPPEffect {
        let payload: JSONValue =
            switch version {
            case .v16: .object(["requestedMessage": .string("MeterValues"), "connectorId": .number(Double(connector))])
            case .v201: .object(["requestedMessage": .string("MeterValues"), "evse": .object(["id": .number(Double(connector))])])
            }
        return call("TriggerMessage", payload, to: key.chargePointId, as: .other(action: "TriggerMessage"))
    }

    /// Power as the load figure counts it, per active session: a fresh meter reading (even above
    /// the limit), else the allocation (no reading yet, stale, charger offline, car not yet there).
    public func countedPowerKW(model: SubstationModel, now: Double) -> Double {
        var total = 0.0
        for session in model.activeSessions {
            if let key = transactionOfSession[session.id], let transaction = transactions[key],
                chargePoints[key.chargePointId]?.connected == true,
                transaction.isFresh(now: now, staleAfter: settings.meterStaleAfterSeconds), let metered = transaction.meteredKW
            {
                total += metered
            } else {
                total += session.powerKW
            }
        }
        return total
    }
}

extension ChargePointRegistry {
    /// The transaction limits last sent per charge point, in watts as the charger was told them
    /// (rounded as sent; amperes counted at three phases of 230 V), summed over its transactions.
    /// A charger holds these once it has heard every SetChargingProfile sent so far.
    public func limitsSentW() -> [String: Double] {
        var totals: [String: Double] = [:]
        for transaction in transactions.values {
            guard let kW = transaction.limitSentKW, let chargePoint = chargePoints[transaction.key.chargePointId] else { continue }
            let rate = chargePoint.rate(kW: kW)
            totals[chargePoint.id, default: 0] += chargePoint.rateUnit == .watts ? rate : rate * 3 * 230
        }
        return totals
    }

    /// Fresh meter readings per charge point, in kW, summed over its transactions.
    public func meteredKW(now: Double) -> [String: Double] {
        var totals: [String: Double] = [:]
        for transaction in transactions.values where transaction.isFresh(now: now, staleAfter: settings.meterStaleAfterSeconds) {
            totals[transaction.key.chargePointId, default: 0] += transaction.meteredKW ?? 0
        }
        return totals
    }
}

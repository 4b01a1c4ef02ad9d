import GridCore

extension ChargePointRegistry {
    /// A connector held for a booking, and the ReserveNow that asks its charger to hold it.
    public struct ReservationOffer: Equatable, Sendable {
        public var reservationId: Int
        public var chargePointId: String
        public var connectorId: Int
        public var effects: [OCPPEffect]
    }

    /// Picks a free connector of a connected charger for a booking and reserves it there; nil
    /// when every connector is taken. The session is admitted once the charger accepts.
    public mutating func offerReservation(sessionId: String, vehicleId: String, now: Double, epochSeconds: Double) -> ReservationOffer? {
        for id in chargePoints.keys.sorted() {
            guard let chargePoint = chargePoints[id], chargePoint.connected, chargePoint.booted else { continue }
            guard let connector = chargePoint.connectors.keys.sorted().first(where: { chargePoint.connectors[$0]!.isFree }) else {
                continue
            }
            let reservationId = nextReservation
            nextReservation += 1
            let tag = String(vehicleId.prefix(chargePoint.version == .v16 ? 20 : 36))
            let expiresAt = epochSeconds + settings.reservationTimeoutSeconds
            reservations[reservationId] = ChargerReservation(
                id: reservationId, chargePointId: id, connectorId: connector, sessionId: sessionId, idTag: tag,
                expiresAt: now + settings.reservationTimeoutSeconds)
            chargePoints[id]?.connectors[connector]?.reservationId = reservationId
            let expiry = JSONValue.string(OCPPTime.text(epochSeconds: expiresAt))
            let payload: JSONValue =
                switch chargePoint.version {
                case .v16:
                    .object([
                        "connectorId": .number(Double(connector)), "expiryDate": expiry, "idTag": .string(tag),
                        "reservationId": .number(Double(reservationId)),
                    ])
                case .v201:
                    .object([
                        "id": .number(Double(reservationId)), "expiryDateTime": expiry, "evseId": .number(Double(connector)),
                        "idToken": .object(["idToken": .string(tag), "type": .string("Central")]),
                    ])
                }
            let effect = call("ReserveNow", payload, to: id, as: .reserve(reservationId: reservationId))
            return ReservationOffer(reservationId: reservationId, chargePointId: id, connectorId: connector, effects: [effect])
        }
        return nil
    }

    /// The charger accepted: the booking becomes a session of the substation, holding its power
    /// until the car starts charging. If the substation cannot admit it, the reservation is cancelled.
    public mutating func confirmReservation(
        _ reservationId: Int, request: ChargeRequest, now: Double, epochSeconds: Double, model: inout SubstationModel
    ) -> (Result<ChargingSession, AdmissionRefusal>, [OCPPEffect]) {
        guard let reservation = reservations[reservationId] else {
            return (.failure(.noFreeChargingPoint(points: model.spec.chargingPoints)), [])
        }
        let result = model.admit(id: reservation.sessionId, request: request, createdAtEpochSeconds: epochSeconds)
        switch result {
        case .success:
            reservations[reservationId]?.accepted = true
            bookings[reservation.sessionId] = Booking(chargePointId: reservation.chargePointId, connectorId: reservation.connectorId)
            return (result, limitEffects(now: now, epochSeconds: epochSeconds, model: model))
        case .failure:
            return (result, dropReservation(reservationId))
        }
    }

    /// The charger refused or did not answer in time: the connector is free again (and the
    /// charger told so, in case it accepted late).
    public mutating func dropReservation(_ reservationId: Int) -> [OCPPEffect] {
        guard let reservation = reservations[reservationId] else { return [] }
        release(reservationId)
        return [
            call(
                "CancelReservation", .object(["reservationId": .number(Double(reservationId))]), to: reservation.chargePointId,
                as: .other(action: "CancelReservation"))
        ]
    }

    mutating func release(_ reservationId: Int) {
        guard let reservation = reservations.removeValue(forKey: reservationId) else { return }
        if chargePoints[reservation.chargePointId]?.connectors[reservation.connectorId]?.reservationId == reservationId {
            chargePoints[reservation.chargePointId]?.connectors[reservation.connectorId]?.reservationId = nil
        }
    }
}

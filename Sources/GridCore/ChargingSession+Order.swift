extension ChargingSession {
    /// Whether this session is what `request` asks for, as a substation with points of
    /// `pointMaxKW` would have admitted it: an order sent twice is recognised as the same.
    public func isAdmission(of request: ChargeRequest, pointMaxKW: Double) -> Bool {
        let departureMinutes = departureAtSimulatedSeconds.map { ($0 - startedAtSimulatedSeconds) / 60 }
        let sameDeparture =
            switch (departureMinutes, request.departureMinutes) {
            case (nil, nil): true
            case (let kept?, let asked?): abs(kept - asked) < 1e-6
            default: false
            }
        return vehicleId == request.vehicleId && energyRequestedKWh == request.energyKWh
            && requestedPowerKW == min(request.maxPowerKW, pointMaxKW) && sameDeparture
    }
}

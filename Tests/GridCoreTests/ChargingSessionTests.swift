import Testing

@testable import GridCore

@Suite struct ChargingSessionTests {
    static func session(energy: Double = 10, power: Double = 11, departure: Double? = nil) -> ChargingSession {
        ChargingSession(
            id: "s1", request: ChargeRequest(vehicleId: "EV-1", energyKWh: energy, maxPowerKW: power, departureMinutes: departure),
            pointMaxKW: 50, startedAt: 0, createdAtEpochSeconds: 0)
    }

    @Test func requestedPowerIsCappedByThePoint() {
        #expect(Self.session(power: 150).requestedPowerKW == 50)
        #expect(Self.session(power: 7.4).requestedPowerKW == 7.4)
    }

    @Test func completesExactlyWhenTheEnergyIsDelivered() {
        var session = Self.session(energy: 10)
        #expect(session.deliver(kWh: 6) == nil)
        #expect(session.status == .charging)
        #expect(session.deliver(kWh: 6) == .ended(.completed))
        #expect(session.energyDeliveredKWh == 10)
        #expect(session.deliver(kWh: 1) == .alreadyEnded)
        #expect(session.cancel() == .alreadyEnded)
        #expect(session.status == .completed)
    }

    @Test func departsAtItsDepartureTime() {
        var session = Self.session(departure: 30)
        #expect(session.departIfDue(now: 1_799) == nil)
        #expect(session.departIfDue(now: 1_800) == .ended(.departed))
        #expect(session.powerKW == 0)
        #expect(session.departIfDue(now: 1_900) == nil)
    }

    @Test func cancelEndsOnce() {
        var session = Self.session()
        #expect(session.cancel() == .ended(.cancelled))
        #expect(session.cancel() == .alreadyEnded)
        #expect(session.status == .cancelled)
    }
}

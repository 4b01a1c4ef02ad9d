import GridCore
import Testing

@Suite struct SessionEndingsTests {
    static func session(_ id: String, energy: Double, power: Double, departureMinutes: Double? = nil) -> ChargingSession {
        var model = SubstationModel(
            spec: SubstationSpec(id: "S1", capacityKW: 1000, chargingPoints: 10, pointMaxKW: 50),
            baseLoad: BaseLoadCurve(capacityKW: 1000, meanFraction: 0, seed: 1), now: 0)
        _ = model.admit(
            id: id, request: ChargeRequest(vehicleId: id, energyKWh: energy, maxPowerKW: power, departureMinutes: departureMinutes),
            createdAtEpochSeconds: 0)
        return model.activeSessions[0]
    }

    /// 10 kWh at 10 kW completes in 3,600 simulated seconds: 60 real seconds at 60x; a departure
    /// in 5 minutes comes first for another: 5 real seconds.
    @Test func countsEachSessionByItsRealTimeToEnd() {
        let sessions = [
            Self.session("a", energy: 10, power: 10), Self.session("b", energy: 50, power: 10, departureMinutes: 5),
        ]
        let endings = SessionEndings(active: sessions, now: 0, timeScale: 60)
        #expect(endings.counts.prefix(7) == [0, 0, 1, 1, 1, 2, 2])
        #expect(endings.secondsUntilFree(position: 1)! <= 10)
        let second = endings.secondsUntilFree(position: 2)!
        #expect(second > 30 && second <= 60)
        #expect(endings.secondsUntilFree(position: 3) == nil)
    }

    @Test func substationsAddUp() {
        let one = SessionEndings(active: [Self.session("a", energy: 10, power: 10)], now: 0, timeScale: 3600)
        let both = one + one
        #expect(both.counts.first == 2)
        #expect(both.secondsUntilFree(position: 2)! <= 10)
    }
}

import GridCore
import Testing

@Suite struct EndedSessionHistoryTests {
    static func session(_ id: String, energy: Double = 1) -> ChargingSession {
        ChargingSession(
            id: id, request: ChargeRequest(vehicleId: "EV-\(id)", energyKWh: energy, maxPowerKW: 11), pointMaxKW: 50,
            startedAt: 0, createdAtEpochSeconds: 0)
    }

    /// Many more sessions than the limit: exactly the newest `limit` stay readable, each as kept,
    /// whatever the order the table's probe runs were built and torn down in.
    @Test(arguments: [1, 2, 7, 37, 1000])
    func keepsExactlyTheNewestLimit(limit: Int) {
        var history = EndedSessionHistory(limit: limit)
        var generator = SeededGenerator(seed: UInt64(limit))
        var ids: [String] = []
        for index in 0..<(limit * 5 + 3) {
            let id = "s-\(index)-\(UInt32.random(in: 0...UInt32.max, using: &generator))"
            ids.append(id)
            history.append(Self.session(id, energy: Double(index)))
            #expect(history.count == min(ids.count, limit))
        }
        for (index, id) in ids.enumerated() {
            let kept = index >= ids.count - limit
            #expect(history[id]?.energyRequestedKWh == (kept ? Double(index) : nil), "\(id) at \(index)")
        }
    }

    @Test func aSessionKeptAgainIsReplacedInPlace() {
        var history = EndedSessionHistory(limit: 2)
        history.append(Self.session("a", energy: 1))
        history.append(Self.session("b"))
        history.append(Self.session("a", energy: 2))
        #expect(history.count == 2)
        #expect(history["a"]?.energyRequestedKWh == 2)
        history.append(Self.session("c"))
        #expect(history["a"] == nil)  // still the oldest: it goes first
        #expect(history["b"] != nil && history["c"] != nil)
    }

    @Test func aLimitOfZeroKeepsNothing() {
        var history = EndedSessionHistory(limit: 0)
        history.append(Self.session("a"))
        #expect(history.count == 0)
        #expect(history["a"] == nil)
    }
}

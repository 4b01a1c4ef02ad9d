import GridCore
import Testing

@Suite struct PowerAllocationTests {
    static func model(capacity: Double, allocation: PowerAllocation, floor: Double = 0) -> SubstationModel {
        SubstationModel(
            spec: SubstationSpec(id: "S1", capacityKW: capacity, chargingPoints: 50, pointMaxKW: 50),
            baseLoad: BaseLoadCurve(capacityKW: capacity, meanFraction: 0, seed: 1), now: 0, allocation: allocation,
            admissionFloorKW: floor)
    }

    static func session(_ id: String, energy: Double, power: Double, departureMinutes: Double?, at start: Double = 0) -> ChargingSession {
        ChargingSession(
            id: id, request: ChargeRequest(vehicleId: id, energyKWh: energy, maxPowerKW: power, departureMinutes: departureMinutes),
            pointMaxKW: 50, startedAt: start, createdAtEpochSeconds: 0)
    }

    /// Two short stays and a long one that needs every minute at full power (Dhall's example):
    /// 2 kW for three 1 kW cars. Earliest deadline first serves the short stays and the long one
    /// can never catch up; planning ahead delivers everything.
    static func dhall(_ allocation: PowerAllocation) -> SubstationModel {
        var model = model(capacity: 2, allocation: allocation)
        for (id, energy, minutes) in [("a", 1.0, 120.0), ("b", 1.0, 120.0), ("c", 3.0, 180.0)] {
            _ = model.admit(
                id: id, request: ChargeRequest(vehicleId: id, energyKWh: energy, maxPowerKW: 1, departureMinutes: minutes),
                createdAtEpochSeconds: 0)
        }
        model.advance(to: 4 * 3600)
        return model
    }

    @Test func planningAheadDeliversWhatEarliestDeadlineFirstCannot() {
        #expect(abs(Self.dhall(.edf).energyDeliveredKWh - 4) < 1e-6)
        #expect(abs(Self.dhall(.recedingHorizon).energyDeliveredKWh - 5) < 1e-6)
        #expect(abs(Self.dhall(.llf).energyDeliveredKWh - 5) < 1e-6)
        #expect(Self.dhall(.recedingHorizon).counts.completed == 3)
        #expect(Self.dhall(.edf).energyUnmetKWh > 0.99)
    }

    /// Laxity shrinks while a car waits: with no arrival or departure, least laxity first still
    /// hands the power over at the next 5-minute re-plan.
    @Test func leastLaxityReplansEveryFiveMinutes() throws {
        // As in the lab: base load re-read every 5 minutes too, so only the re-plan changes shares.
        var model = SubstationModel(
            spec: SubstationSpec(id: "S1", capacityKW: 7, chargingPoints: 4, pointMaxKW: 50),
            baseLoad: BaseLoadCurve(capacityKW: 7, meanFraction: 0, seed: 1), now: 0, maxStepSeconds: 300, allocation: .llf,
            admissionFloorKW: 0)
        // 'a' needs 1 h and leaves in 3 h (2 h of slack); 'b' needs 1.5 h and leaves in 3 h 33 min (2 h 3 min).
        _ = try model.admit(
            id: "a", request: ChargeRequest(vehicleId: "a", energyKWh: 7, maxPowerKW: 7, departureMinutes: 180), createdAtEpochSeconds: 0
        ).get()
        _ = try model.admit(
            id: "b", request: ChargeRequest(vehicleId: "b", energyKWh: 10.5, maxPowerKW: 7, departureMinutes: 213), createdAtEpochSeconds: 0
        ).get()
        // After 3 minutes of waiting 'b' has less slack than 'a': the 300 s re-plan hands it the power.
        model.advance(to: 600)
        #expect(abs(model.session(id: "a")!.energyDeliveredKWh - 7.0 * 300 / 3600) < 1e-9)
        #expect(abs(model.session(id: "b")!.energyDeliveredKWh - 7.0 * 300 / 3600) < 1e-9)
    }

    @Test func earliestDepartureGetsFullPowerFirst() {
        var sessions = [
            Self.session("late", energy: 20, power: 7, departureMinutes: 600),
            Self.session("soon", energy: 20, power: 7, departureMinutes: 60),
            Self.session("full", energy: 20, power: 7, departureMinutes: nil),
        ]
        PowerAllocation.edf.allocate(available: 10, floorKW: 0, now: 0, slotEnd: 300, &sessions)
        #expect(sessions.map(\.powerKW) == [3, 7, 0])
        // With a floor, everyone gets it first, then the earliest departure the rest.
        PowerAllocation.edf.allocate(available: 10, floorKW: 1.4, now: 0, slotEnd: 300, &sessions)
        #expect(abs(sessions[1].powerKW - 7) < 1e-9)
        #expect(abs(sessions[0].powerKW - 1.6) < 1e-9)
        #expect(abs(sessions[2].powerKW - 1.4) < 1e-9)
    }

    @Test func leastLaxityGetsFullPowerFirst() {
        // 'tight' needs 2 h at 7 kW and leaves in 2.5 h; 'loose' needs 1 h and leaves in 2 h.
        var sessions = [
            Self.session("loose", energy: 7, power: 7, departureMinutes: 120),
            Self.session("tight", energy: 14, power: 7, departureMinutes: 150),
        ]
        PowerAllocation.llf.allocate(available: 8, floorKW: 0, now: 0, slotEnd: 300, &sessions)
        #expect(sessions.map(\.powerKW) == [1, 7])
    }

    /// Sessions that stay until full share as water-filling does, whatever the allocation.
    @Test(arguments: PowerAllocation.allCases)
    func withoutDepartureTimesEveryAllocationIsWaterFilling(_ allocation: PowerAllocation) {
        let requests = [3.7, 7.4, 11, 22, 50, 11]
        var sessions = requests.enumerated().map { Self.session("s\($0.offset)", energy: 40, power: $0.element, departureMinutes: nil) }
        allocation.allocate(available: 40, floorKW: 1.4, now: 0, slotEnd: 300, &sessions)
        let expected = WaterFillingAllocator.allocate(available: 40, requests: requests)
        for (session, share) in zip(sessions, expected) { #expect(abs(session.powerKW - share) < 1e-9, "\(allocation)") }
    }

    /// Random sessions, every allocation: never above the power available, never above a
    /// session's request, and all of the power used while sessions want it.
    @Test(arguments: PowerAllocation.allCases)
    func everyAllocationKeepsTheInvariants(_ allocation: PowerAllocation) {
        var generator = SeededGenerator(seed: 7)
        for round in 0..<300 {
            let count = Int.random(in: 1...30, using: &generator)
            var sessions = (0..<count).map { index in
                Self.session(
                    "s\(index)", energy: Double.random(in: 0.5...60, using: &generator),
                    power: [3.7, 6.6, 11, 22, 50].randomElement(using: &generator)!,
                    departureMinutes: Bool.random(using: &generator) ? Double.random(in: 10...900, using: &generator) : nil)
            }
            let available = Double.random(in: 0...200, using: &generator)
            let floor = round % 2 == 0 ? 0 : 1.4
            allocation.allocate(available: available, floorKW: floor, now: 0, slotEnd: 300, &sessions)
            let total = sessions.reduce(0) { $0 + $1.powerKW }
            let wanted = sessions.reduce(0) { $0 + $1.requestedPowerKW }
            #expect(total <= available + 1e-9)
            #expect(abs(total - min(available, wanted)) < 1e-6, "\(allocation) leaves power idle")
            for session in sessions {
                #expect(session.powerKW >= -1e-12 && session.powerKW <= session.requestedPowerKW + 1e-9)
                if floor > 0, available >= Double(count) * floor {
                    #expect(session.powerKW >= min(floor, session.requestedPowerKW) - 1e-9, "\(allocation) below the floor")
                }
            }
        }
    }

    @Test(arguments: PowerAllocation.allCases)
    func theModelNeverExceedsItsCapacity(_ allocation: PowerAllocation) throws {
        var model = SubstationModel(
            spec: SubstationSpec(id: "S1", capacityKW: 60, chargingPoints: 12, pointMaxKW: 22),
            baseLoad: BaseLoadCurve(capacityKW: 60, meanFraction: 0.3, seed: 3), now: 0, allocation: allocation)
        var generator = SeededGenerator(seed: 11)
        for minute in stride(from: 0.0, to: 600, by: 3) {
            model.advance(to: minute * 60)
            let snapshot = model.snapshot
            #expect(snapshot.baseLoadKW + snapshot.evPowerKW <= snapshot.spec.capacityKW * (1 + 1e-9))
            let request = ChargeRequest(
                vehicleId: "v", energyKWh: Double.random(in: 5...40, using: &generator), maxPowerKW: 11,
                departureMinutes: Double.random(in: 30...300, using: &generator))
            _ = model.admit(id: "v\(minute)", request: request, createdAtEpochSeconds: 0)
        }
        #expect(model.counts.admitted > 20)
    }
}

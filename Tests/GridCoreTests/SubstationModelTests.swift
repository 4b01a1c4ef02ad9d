import GridCore
import Testing

@Suite struct SubstationModelTests {
    static func model(capacity: Double = 100, points: Int = 4, baseLoad: Double = 0) -> SubstationModel {
        SubstationModel(
            spec: SubstationSpec(id: "S1", capacityKW: capacity, chargingPoints: points, pointMaxKW: 50),
            baseLoad: BaseLoadCurve(capacityKW: capacity, meanFraction: baseLoad, seed: 1), now: 0)
    }

    static func request(_ energy: Double = 20, power: Double = 11, departure: Double? = nil) -> ChargeRequest {
        ChargeRequest(vehicleId: "EV-1", energyKWh: energy, maxPowerKW: power, departureMinutes: departure)
    }

    @Test func refusesWhenEveryPointIsTaken() throws {
        var model = Self.model(points: 2)
        _ = try model.admit(id: "a", request: Self.request(), createdAtEpochSeconds: 0).get()
        _ = try model.admit(id: "b", request: Self.request(), createdAtEpochSeconds: 0).get()
        #expect(throws: AdmissionRefusal.noFreeChargingPoint(points: 2)) {
            try model.admit(id: "c", request: Self.request(), createdAtEpochSeconds: 0).get()
        }
        #expect(model.counts.admitted == 2)
        #expect(model.counts.rejected == 1)
    }

    @Test func refusesWhenASessionWouldFallBelowTheMinimumPower() throws {
        // 10 kW for EVs: 7 sessions get 1.43 kW each, an 8th would leave 1.25 kW.
        var model = Self.model(capacity: 10, points: 20)
        for index in 0..<7 {
            _ = try model.admit(id: "s\(index)", request: Self.request(), createdAtEpochSeconds: 0).get()
        }
        let refusal = model.admit(id: "s7", request: Self.request(), createdAtEpochSeconds: 0)
        guard case .failure(.insufficientPower(let share)) = refusal else {
            Issue.record("expected insufficient power, got \(refusal)")
            return
        }
        #expect(abs(share - 1.25) < 1e-9)
    }

    @Test func refusesADuplicateId() throws {
        var model = Self.model()
        _ = try model.admit(id: "a", request: Self.request(), createdAtEpochSeconds: 0).get()
        #expect(throws: AdmissionRefusal.duplicateSession(id: "a")) {
            try model.admit(id: "a", request: Self.request(), createdAtEpochSeconds: 0).get()
        }
    }

    @Test func sessionsCompleteAndFreeTheirPoint() throws {
        var model = Self.model(capacity: 100, points: 1)
        _ = try model.admit(id: "a", request: Self.request(11, power: 11), createdAtEpochSeconds: 0).get()
        model.advance(to: 1_800)  // half an hour at 11 kW: 5.5 kWh
        #expect(abs(model.session(id: "a")!.energyDeliveredKWh - 5.5) < 1e-6)
        model.advance(to: 3_700)
        #expect(model.session(id: "a")?.status == .completed)
        #expect(model.activeSessionCount == 0)
        #expect(abs(model.energyDeliveredKWh - 11) < 1e-6)
        #expect(model.counts.completed == 1)
        _ = try model.admit(id: "b", request: Self.request(), createdAtEpochSeconds: 0).get()
    }

    @Test func sessionsDepartAtTheirTime() throws {
        var model = Self.model()
        _ = try model.admit(id: "a", request: Self.request(200, departure: 10), createdAtEpochSeconds: 0).get()
        model.advance(to: 601)
        #expect(model.session(id: "a")?.status == .departed)
        #expect(abs(model.session(id: "a")!.energyDeliveredKWh - 11.0 / 6) < 1e-6)
        #expect(model.counts.departed == 1)
    }

    @Test func cancelledSessionsStayReadable() throws {
        var model = Self.model()
        _ = try model.admit(id: "a", request: Self.request(), createdAtEpochSeconds: 0).get()
        #expect(model.cancel(id: "a")?.status == .cancelled)
        #expect(model.cancel(id: "a")?.status == .cancelled)
        #expect(model.counts.cancelled == 1)
        #expect(model.cancel(id: "nobody") == nil)
    }

    @Test func loadCountsRequestedPowerAndBaseLoad() throws {
        var model = Self.model(capacity: 100, points: 20)
        for index in 0..<12 {
            _ = try model.admit(id: "s\(index)", request: Self.request(power: 11), createdAtEpochSeconds: 0).get()
        }
        let snapshot = model.snapshot
        #expect(abs(snapshot.load - 1.32) < 1e-9)  // oversubscribed: sessions throttled
        #expect(abs(snapshot.powerKW - 100) < 1e-9)  // the transformer is not
    }

    /// Random traffic with a varying base load: the draw never exceeds capacity, points are
    /// never overbooked, and every admitted session is accounted for.
    /// A simulated scrape projects instead of simulating when no session can have ended: it must
    /// read what advancing would have given, and decline whenever a session might have ended.
    @Test func aProjectedSnapshotReadsWhatAdvancingGives() throws {
        var generator = SeededGenerator(seed: 31)
        var projected = 0
        var declined = 0
        for round in 0..<60 {
            var model = SubstationModel(
                spec: SubstationSpec(id: "S1", capacityKW: 300, chargingPoints: 12, pointMaxKW: 150),
                baseLoad: BaseLoadCurve(capacityKW: 300, meanFraction: 0.4, seed: UInt64(round)), now: 7 * 3600,
                maxStepSeconds: 300)
            var time = model.now
            for vehicle in 0..<40 {
                time += Double.random(in: 0...600, using: &generator)
                let later = time + Double.random(in: 1...1_800, using: &generator)
                let projection = model.projectedSnapshot(at: later)
                var advanced = model
                let truth = advanced.snapshot(advancingTo: later)
                if let projection {
                    projected += 1
                    #expect(projection.activeSessions == truth.activeSessions, "round \(round)")
                    #expect(abs(projection.load - truth.load) < 1e-9)
                    #expect(abs(projection.powerKW - truth.powerKW) < 1e-6)
                } else {
                    declined += 1
                }
                model.advance(to: time)
                _ = model.admit(
                    id: "v\(vehicle)", request: VehicleMix.standard.nextRequest(vehicleNumber: vehicle, using: &generator),
                    createdAtEpochSeconds: 0)
            }
        }
        // Both paths were exercised, or the test proves nothing.
        #expect(projected > 100)
        #expect(declined > 100)
    }

    /// More sessions end between two checkpoints than the history keeps: the journal still gets
    /// every ending (it used to get only those still in the history).
    @Test func everyEndingReachesTheJournalEvenPastTheHistorysLimit() throws {
        var model = SubstationModel(
            spec: SubstationSpec(id: "S1", capacityKW: 100, chargingPoints: 10, pointMaxKW: 50),
            baseLoad: BaseLoadCurve(capacityKW: 100, meanFraction: 0, seed: 1), now: 0, endedHistoryLimit: 2)
        for index in 0..<5 {
            _ = try model.admit(id: "car-\(index)", request: Self.request(2, power: 11), createdAtEpochSeconds: 0).get()
        }
        for index in 0..<5 { _ = model.cancel(id: "car-\(index)") }
        #expect(model.takeEndedSessions().map(\.id) == ["car-0", "car-1", "car-2", "car-3", "car-4"])
        #expect(model.session(id: "car-0") == nil, "the history keeps only the newest two")
    }

    /// What a journal needs: each ending reported once, and a restored model that carries on
    /// exactly as the original would.
    @Test func endedSessionsAreReportedOnceAndARestoredModelCarriesOn() throws {
        var model = Self.model(capacity: 100, points: 4)
        _ = try model.admit(id: "small", request: Self.request(2, power: 11), createdAtEpochSeconds: 0).get()
        _ = try model.admit(id: "big", request: Self.request(40, power: 11), createdAtEpochSeconds: 0).get()
        _ = try model.admit(id: "gone", request: Self.request(40, power: 11), createdAtEpochSeconds: 0).get()
        _ = model.cancel(id: "gone")
        model.advance(to: 1_800)
        #expect(model.takeEndedSessions().map(\.id) == ["gone", "small"])
        #expect(model.takeEndedSessions().isEmpty)

        // A restarted substation's clock resumes at the checkpoint's simulated time.
        var restored = SubstationModel(spec: model.spec, baseLoad: model.baseLoad, now: model.now)
        restored.restore(
            active: model.activeSessions, ended: [model.session(id: "gone")!, model.session(id: "small")!], counts: model.counts,
            energyDeliveredKWh: model.energyDeliveredKWh, energyRequestedKWh: model.energyRequestedKWh,
            energyUnmetKWh: model.energyUnmetKWh)
        #expect(restored.snapshot == model.snapshot)
        model.advance(to: 3_600)
        restored.advance(to: 3_600)
        #expect(restored.snapshot == model.snapshot)
        #expect(restored.session(id: "big") == model.session(id: "big"))
        #expect(restored.session(id: "small")?.status == .completed)
    }

    /// Under every allocation (the substations run the receding-horizon one), with the base load
    /// high enough that power is short.
    @Test(arguments: PowerAllocation.allCases) func neverOverloadsTheTransformerUnderRandomTraffic(_ allocation: PowerAllocation) {
        var generator = SeededGenerator(seed: 11)
        var model = SubstationModel(
            spec: SubstationSpec(id: "S1", capacityKW: 250, chargingPoints: 12, pointMaxKW: 50),
            baseLoad: BaseLoadCurve(capacityKW: 250, meanFraction: 0.5, seed: 1), now: 0, allocation: allocation)
        var time = 0.0
        for index in 0..<3_000 {
            time += Double.random(in: 0...120, using: &generator)
            model.advance(to: time)
            let request = VehicleMix.standard.nextRequest(vehicleNumber: index, using: &generator)
            _ = model.admit(id: "s\(index)", request: request, createdAtEpochSeconds: 0)
            if index % 7 == 0 { _ = model.cancel(id: "s\(index - 3)") }
            let snapshot = model.snapshot
            #expect(snapshot.powerKW <= 250)
            #expect(snapshot.baseLoadKW + snapshot.evPowerKW <= 250 + 1e-9, "only rounding dust may exceed capacity")
            #expect(snapshot.activeSessions <= 12)
        }
        let counts = model.counts
        #expect(counts.admitted + counts.rejected == 3_000)
        #expect(counts.admitted == counts.completed + counts.departed + counts.cancelled + model.activeSessionCount)
    }
}

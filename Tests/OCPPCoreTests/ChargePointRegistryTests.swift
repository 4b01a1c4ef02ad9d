import GridCore
import Testing

@testable import OCPPCore

/// A substation of 30 kW (no base load unless asked), 22 kW connectors, and its registry.
struct Bench {
    var model: SubstationModel
    var registry: ChargePointRegistry
    var now = 1_000.0
    var sent: [String: [OCPPFrame]] = [:]
    var warnings: [String] = []
    var overdraws: [String] = []
    var reservationAnswers: [Int: Bool] = [:]
    var nextId = 1

    init(
        baseLoad: Double = 0, points: Int = 6, settings: OCPPSettings = OCPPSettings(meterStaleAfterSeconds: 10, offlineTimeoutSeconds: 30)
    ) {
        let spec = SubstationSpec(id: "S1", capacityKW: 30, chargingPoints: points, pointMaxKW: 22)
        model = SubstationModel(spec: spec, baseLoad: BaseLoadCurve(capacityKW: 30, meanFraction: baseLoad, seed: 1), now: 0)
        registry = ChargePointRegistry(substationId: "S1", settings: settings, peakBaseLoadKW: baseLoad * 30 * 1.5)
    }

    mutating func record(_ effects: [OCPPEffect]) {
        for effect in effects {
            switch effect {
            case .send(let id, let text): sent[id, default: []].append(try! OCPPFrame.parse(text).get())
            case .warning(let message): warnings.append(message)
            case .overdraw(let id): overdraws.append(id)
            case .reservationAnswered(let id, let accepted): reservationAnswers[id] = accepted
            case .notice: break
            }
        }
    }

    /// Sends a CALL from a charger; returns the answer's payload (or the CALLERROR).
    @discardableResult
    mutating func call(_ id: String, _ action: String, _ payload: JSONValue) -> OCPPFrame {
        let messageId = "cp-\(nextId)"
        nextId += 1
        let before = sent[id, default: []].count
        record(
            registry.receive(
                OCPPFrame.call(id: messageId, action: action, payload: payload).text, from: id, now: now, epochSeconds: now, model: &model))
        let answer = sent[id, default: []][before]
        switch answer {
        case .callResult(let answered, _), .callError(let answered, _, _): #expect(answered == messageId)
        default: Issue.record("the first frame back is not the answer: \(answer)")
        }
        return answer
    }

    mutating func tick(advancing seconds: Double = 1) {
        now += seconds
        model.advance(to: model.now + seconds)
        record(registry.tick(now: now, epochSeconds: now, model: &model))
    }

    /// A raw text frame from a charger.
    mutating func receive(_ text: String, from id: String) {
        record(registry.receive(text, from: id, now: now, epochSeconds: now, model: &model))
    }

    /// Answers every call the central system sent to `id` that is still unanswered.
    mutating func acceptAll(_ id: String, status: String = "Accepted") {
        for frame in sent[id, default: []] {
            guard case .call(let messageId, _, _) = frame, registry.pending[messageId] != nil else { continue }
            record(
                registry.receive(
                    OCPPFrame.callResult(id: messageId, payload: .object(["status": .string(status)])).text, from: id, now: now,
                    epochSeconds: now,
                    model: &model))
        }
    }

    mutating func boot16(_ id: String, connectors: Int = 1) {
        _ = registry.connect(id, version: .v16, now: now)
        call(id, "BootNotification", .object(["chargePointVendor": .string("V"), "chargePointModel": .string("M")]))
        for connector in 1...connectors {
            call(
                id, "StatusNotification",
                .object(["connectorId": .number(Double(connector)), "errorCode": .string("NoError"), "status": .string("Available")]))
        }
    }

    mutating func boot201(_ id: String) {
        _ = registry.connect(id, version: .v201, now: now)
        call(
            id, "BootNotification",
            .object(["chargingStation": .object(["model": .string("M"), "vendorName": .string("V")]), "reason": .string("PowerUp")]))
        call(
            id, "StatusNotification",
            .object([
                "timestamp": .string("2026-01-01T00:00:00Z"), "connectorStatus": .string("Available"), "evseId": .number(1),
                "connectorId": .number(1),
            ]))
    }

    /// Starts a 1.6 transaction; returns its id.
    mutating func start16(_ id: String, connector: Int = 1, tag: String = "TAG", reservationId: Int? = nil) -> Int {
        var payload: [String: JSONValue] = [
            "connectorId": .number(Double(connector)), "idTag": .string(tag), "meterStart": .number(0),
            "timestamp": .string("2026-01-01T00:00:00Z"),
        ]
        if let reservationId { payload["reservationId"] = .number(Double(reservationId)) }
        guard case .callResult(_, let answer) = call(id, "StartTransaction", .object(payload)),
            case .number(let transactionId) = answer["transactionId"]
        else {
            Issue.record("no transaction id")
            return -1
        }
        return Int(transactionId)
    }

    /// The latest limit (W) each SetChargingProfile of `purpose` set for `id`.
    func latestLimit(_ id: String, purpose: String) -> Double? {
        for frame in sent[id, default: []].reversed() {
            guard case .call(_, "SetChargingProfile", let payload) = frame else { continue }
            let profile = payload["csChargingProfiles"] ?? payload["chargingProfile"]
            guard case .string(purpose) = profile?["chargingProfilePurpose"] else { continue }
            let schedule: JSONValue? =
                if case .array(let schedules) = profile?["chargingSchedule"] { schedules.first } else { profile?["chargingSchedule"] }
            if case .array(let periods) = schedule?["chargingSchedulePeriod"], case .number(let limit) = periods.first?["limit"] {
                return limit
            }
        }
        return nil
    }

    func calls(_ id: String, _ action: String) -> [JSONValue] {
        sent[id, default: []].compactMap { frame in
            if case .call(_, action, let payload) = frame { payload } else { nil }
        }
    }
}

struct ChargePointRegistryTests {
    @Test func threeTransactionsShareTheSubstationAndAStopRaisesTheOthers() {
        var bench = Bench()
        for id in ["CP1", "CP2", "CP3"] { bench.boot16(id) }
        for id in ["CP1", "CP2", "CP3"] { _ = bench.start16(id) }
        let limits = ["CP1", "CP2", "CP3"].map { bench.latestLimit($0, purpose: "TxProfile") ?? 0 }
        #expect(limits.allSatisfy { $0 > 0 }, "\(limits)")
        #expect(limits.reduce(0, +) <= 30_000, "\(limits)")
        #expect(limits == [10_000, 10_000, 10_000])
        #expect(bench.model.activeSessionCount == 3)

        // CP3 stops: the others rise to 15 kW each, at once.
        let transaction = bench.registry.transactions.keys.first { $0.chargePointId == "CP3" }!.transactionId
        bench.call(
            "CP3", "StopTransaction",
            .object(["transactionId": .number(Double(transaction)!), "meterStop": .number(5), "timestamp": .string("2026-01-01T01:00:00Z")])
        )
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 15_000)
        #expect(bench.latestLimit("CP2", purpose: "TxProfile") == 15_000)
        #expect(bench.model.activeSessionCount == 2)
        #expect(bench.model.counts.completed == 1)
    }

    /// What `substation_charger_limit_watts` shows: per charger, the transaction limit last sent,
    /// as sent, so a charger (or a test driving one) can tell it has heard the latest one.
    @Test func theLimitsLastSentAreReadablePerCharger() {
        var bench = Bench()
        for id in ["CP1", "CP2"] { bench.boot16(id) }
        _ = bench.start16("CP1")
        #expect(bench.registry.limitsSentW() == ["CP1": 22_000])
        // CP2 starts: CP1's limit falls with the same call, though CP1 hears it on its own link.
        _ = bench.start16("CP2")
        #expect(bench.registry.limitsSentW() == ["CP1": 15_000, "CP2": 15_000])
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 15_000)
        // A reconnect forgets what was sent until the next tick sends it again.
        _ = bench.registry.connect("CP2", version: .v16, now: bench.now)
        #expect(bench.registry.limitsSentW() == ["CP1": 15_000])
        bench.tick()
        #expect(bench.registry.limitsSentW() == ["CP1": 15_000, "CP2": 15_000])
    }

    @Test func everyChargerGetsAStationMaximumAndDefaultsThatFitTogether() {
        var bench = Bench(baseLoad: 0.2, points: 4)
        bench.boot16("CP1", connectors: 2)
        bench.boot201("CP2")
        bench.tick()
        // Defaults: every connector at once stays within capacity minus the peak base load (9 kW).
        let default16 = bench.latestLimit("CP1", purpose: "TxDefaultProfile")
        let default201 = bench.latestLimit("CP2", purpose: "TxDefaultProfile")
        #expect(default16 == ((30 - 9) / 4.0 * 1000).rounded(.down))
        #expect(default201 == default16)
        #expect(bench.latestLimit("CP1", purpose: "ChargePointMaxProfile") == 30_000)
        #expect(bench.latestLimit("CP2", purpose: "ChargingStationMaxProfile") == 22_000)
        // More connectors than planned: the defaults shrink for everyone.
        bench.boot16("CP3", connectors: 3)
        bench.tick()
        let connectors = 2.0 + 1 + 3
        for id in ["CP1", "CP2", "CP3"] {
            #expect(bench.latestLimit(id, purpose: "TxDefaultProfile") == ((30 - 9) / connectors * 1000).rounded(.down))
        }
    }

    @Test func aChargerThatTakesOnlyAmperesGetsItsLimitsInAmperes() throws {
        var bench = Bench()
        bench.boot16("CP1")
        _ = bench.start16("CP1")
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 22_000)
        let query = try #require(
            bench.sent["CP1", default: []].compactMap { frame -> String? in
                if case .call(let id, "GetConfiguration", _) = frame { id } else { nil }
            }.first)
        let answer: JSONValue = .object([
            "configurationKey": .array([
                .object(["key": .string("ChargingScheduleAllowedChargingRateUnit"), "readonly": .bool(true), "value": .string("Current")])
            ])
        ])
        bench.record(
            bench.registry.receive(
                OCPPFrame.callResult(id: query, payload: answer).text, from: "CP1", now: bench.now, epochSeconds: bench.now,
                model: &bench.model))
        bench.tick()
        // 22 kW on three phases at 230 V: 31.8 A, rounded down to a tenth.
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 31.8)
        let profile = bench.calls("CP1", "SetChargingProfile").last?["csChargingProfiles"]?["chargingSchedule"]
        #expect(profile?["chargingRateUnit"] == .string("A"))
    }

    @Test func limitsFallAtOnceButRiseOnlyPastTheThreshold() {
        var bench = Bench(settings: OCPPSettings(profileThresholdKW: 2))
        bench.boot16("CP1")
        bench.boot16("CP2")
        _ = bench.start16("CP1")
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 22_000)
        _ = bench.start16("CP2")
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 15_000)
        let sentBefore = bench.calls("CP1", "SetChargingProfile").count
        bench.tick()
        bench.tick()
        #expect(bench.calls("CP1", "SetChargingProfile").count == sentBefore, "nothing changed, nothing sent")
    }

    @Test func metersDriveTheLoadAndAnOverdrawIsReportedAndCounted() {
        var bench = Bench()
        bench.boot16("CP1")
        let transaction = bench.start16("CP1")
        #expect(bench.registry.countedPowerKW(model: bench.model, now: bench.now) == 22, "no reading yet: its allocation")
        func meter(_ watts: String) -> JSONValue {
            .object([
                "connectorId": .number(1), "transactionId": .number(Double(transaction)),
                "meterValue": .array([
                    .object([
                        "timestamp": .string("2026-01-01T00:00:00Z"),
                        "sampledValue": .array([
                            .object(["value": .string(watts), "measurand": .string("Power.Active.Import"), "unit": .string("W")])
                        ]),
                    ])
                ]),
            ])
        }
        bench.call("CP1", "MeterValues", meter("7000"))
        #expect(bench.registry.countedPowerKW(model: bench.model, now: bench.now) == 7)
        #expect(bench.overdraws.isEmpty)
        bench.call("CP1", "MeterValues", meter("26000"))
        #expect(bench.overdraws == ["CP1"])
        #expect(bench.warnings.contains { $0.contains("overdraws") })
        #expect(bench.registry.countedPowerKW(model: bench.model, now: bench.now) == 26, "counted at what it draws")
        // Stale: counted at its allocation again, and asked for a reading once per stale period.
        bench.tick(advancing: 11)
        #expect(bench.registry.countedPowerKW(model: bench.model, now: bench.now) == 22)
        #expect(bench.calls("CP1", "TriggerMessage").count == 1)
        bench.tick(advancing: 1)
        #expect(bench.calls("CP1", "TriggerMessage").count == 1)
        bench.tick(advancing: 10)
        #expect(bench.calls("CP1", "TriggerMessage").count == 2)
    }

    @Test func aChargerHasAGracePeriodToComeDownAfterItsLimitFalls() {
        var bench = Bench(settings: OCPPSettings(overdrawGraceSeconds: 5))
        bench.boot16("CP1")
        bench.boot16("CP2")
        let transaction = bench.start16("CP1")
        _ = bench.start16("CP2")
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 15_000)
        func meter(_ watts: Double) {
            bench.call(
                "CP1", "MeterValues",
                .object([
                    "connectorId": .number(1), "transactionId": .number(Double(transaction)),
                    "meterValue": .array([
                        .object([
                            "timestamp": .string("2026-01-01T00:00:00Z"),
                            "sampledValue": .array([
                                .object(["value": .string(String(Int(watts))), "measurand": .string("Power.Active.Import")])
                            ]),
                        ])
                    ]),
                ]))
        }
        meter(21_000)
        #expect(bench.overdraws.isEmpty, "a reading taken before the charger heard of the cut")
        bench.tick(advancing: 6)
        meter(21_000)
        #expect(bench.overdraws == ["CP1"])
    }

    @Test func aDroppedLinkKeepsItsTransactionCountedUntilTheTimeout() {
        var bench = Bench()
        bench.boot16("CP1")
        let generation = bench.registry.chargePoints["CP2"]?.generation
        #expect(generation == nil)
        bench.boot16("CP2")
        _ = bench.start16("CP1")
        _ = bench.start16("CP2")
        bench.registry.disconnect("CP2", generation: bench.registry.chargePoints["CP2"]!.generation, now: bench.now)
        bench.tick(advancing: 20)
        #expect(bench.model.activeSessionCount == 2)
        #expect(bench.registry.countedPowerKW(model: bench.model, now: bench.now) == 30)
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 15_000)
        bench.tick(advancing: 11)
        #expect(bench.model.activeSessionCount == 1)
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 22_000)
    }

    @Test func anOlderLinkClosingLeavesTheNewerOneConnected() {
        var bench = Bench()
        let first = bench.registry.connect("CP1", version: .v16, now: 0)
        let second = bench.registry.connect("CP1", version: .v201, now: 1)
        bench.registry.disconnect("CP1", generation: first, now: 2)
        #expect(bench.registry.chargePoints["CP1"]?.connected == true)
        #expect(bench.registry.chargePoints["CP1"]?.version == .v201)
        bench.registry.disconnect("CP1", generation: second, now: 3)
        #expect(bench.registry.chargePoints["CP1"]?.connected == false)
    }

    @Test func aBookingReservesAConnectorAndBecomesTheTransactionThatUsesIt() throws {
        var bench = Bench()
        bench.boot16("CP1", connectors: 2)
        let offerMade = bench.registry.offerReservation(sessionId: "booking-1", vehicleId: "EV-1", now: bench.now, epochSeconds: bench.now)
        let offer = try #require(offerMade)
        bench.record(offer.effects)
        #expect(offer.chargePointId == "CP1" && offer.connectorId == 1)
        let reserve = try #require(bench.calls("CP1", "ReserveNow").first)
        #expect(reserve["reservationId"] == .number(Double(offer.reservationId)))
        #expect(reserve["idTag"] == .string("EV-1"))
        bench.acceptAll("CP1")
        #expect(bench.reservationAnswers[offer.reservationId] == true)
        let request = ChargeRequest(vehicleId: "EV-1", energyKWh: 30, maxPowerKW: 11)
        let (result, effects) = bench.registry.confirmReservation(
            offer.reservationId, request: request, now: bench.now, epochSeconds: bench.now, model: &bench.model)
        bench.record(effects)
        #expect((try? result.get())?.id == "booking-1")
        // The next booking gets the other connector.
        let secondMade = bench.registry.offerReservation(sessionId: "booking-2", vehicleId: "EV-2", now: bench.now, epochSeconds: bench.now)
        let second = try #require(secondMade)
        #expect(second.connectorId == 2)
        bench.record(bench.registry.dropReservation(second.reservationId))

        let transaction = bench.start16("CP1", connector: 1, tag: "EV-1", reservationId: offer.reservationId)
        #expect(bench.model.activeSessionCount == 1, "the transaction is the booked session, not a new one")
        #expect(bench.registry.booking(of: "booking-1")?.transactionId == String(transaction))
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 11_000, "the booking's own request")
    }

    @Test func anUnusedReservationExpiresAndItsSessionEnds() throws {
        var bench = Bench(settings: OCPPSettings(reservationTimeoutSeconds: 5))
        bench.boot201("CP1")
        let offerMade = bench.registry.offerReservation(sessionId: "b1", vehicleId: "EV-1", now: bench.now, epochSeconds: bench.now)
        let offer = try #require(offerMade)
        bench.record(offer.effects)
        let reserve = try #require(bench.calls("CP1", "ReserveNow").first)
        #expect(reserve["idToken"]?["idToken"] == .string("EV-1"))
        bench.acceptAll("CP1")
        _ = bench.registry.confirmReservation(
            offer.reservationId, request: ChargeRequest(vehicleId: "EV-1", energyKWh: 30, maxPowerKW: 11), now: bench.now,
            epochSeconds: bench.now,
            model: &bench.model)
        bench.tick(advancing: 3)
        #expect(bench.model.session(id: "b1")?.status == .charging)
        bench.tick(advancing: 3)
        #expect(bench.model.session(id: "b1")?.status == .cancelled)
        #expect(bench.registry.chargePoints["CP1"]?.connectors[1]?.isFree == true)
    }

    @Test func aSessionEndedByTheSubstationIsStoppedAtTheCharger() {
        var bench = Bench()
        bench.boot201("CP1")
        bench.call(
            "CP1", "TransactionEvent",
            .object([
                "eventType": .string("Started"), "timestamp": .string("2026-01-01T00:00:00Z"), "triggerReason": .string("Authorized"),
                "seqNo": .number(0), "transactionInfo": .object(["transactionId": .string("T-1")]), "evse": .object(["id": .number(1)]),
            ]))
        #expect(bench.latestLimit("CP1", purpose: "TxProfile") == 22_000)
        let sessionId = bench.model.activeSessions[0].id
        _ = bench.model.cancel(id: sessionId)
        bench.tick()
        #expect(bench.calls("CP1", "RequestStopTransaction") == [.object(["transactionId": .string("T-1")])])
    }

    /// A 2.0.1 meter update still in flight when its transaction ended must not start it again
    /// (the other chargers' limits would never rise).
    @Test func aLateUpdateOfAnEndedTransactionStartsNothing() {
        var bench = Bench()
        bench.boot201("CP1")
        func event(_ type: String, _ seqNo: Double) {
            bench.call(
                "CP1", "TransactionEvent",
                .object([
                    "eventType": .string(type), "timestamp": .string("2026-01-01T00:00:00Z"), "triggerReason": .string("Authorized"),
                    "seqNo": .number(seqNo), "transactionInfo": .object(["transactionId": .string("T-1")]),
                    "evse": .object(["id": .number(1)]),
                ]))
        }
        event("Started", 0)
        #expect(bench.model.activeSessionCount == 1)
        event("Ended", 1)
        #expect(bench.model.activeSessionCount == 0)
        event("Updated", 2)
        #expect(bench.model.activeSessionCount == 0, "the ended transaction stays ended")
    }

    @Test func unauthorizedTagsAreRefusedAndAdmitNothing() {
        var bench = Bench(settings: OCPPSettings(authorizedTags: ["GOOD"]))
        bench.boot16("CP1")
        guard case .callResult(_, let good) = bench.call("CP1", "Authorize", .object(["idTag": .string("GOOD")])),
            case .callResult(_, let bad) = bench.call("CP1", "Authorize", .object(["idTag": .string("BAD")]))
        else { return #expect(Bool(false)) }
        #expect(good["idTagInfo"]?["status"] == .string("Accepted"))
        #expect(bad["idTagInfo"]?["status"] == .string("Invalid"))
        _ = bench.start16("CP1", tag: "BAD")
        #expect(bench.model.activeSessionCount == 0)
    }

    @Test(arguments: [OCPPVersion.v16, .v201])
    func brokenFramesGetTheErrorTheirVersionNames(version: OCPPVersion) {
        var bench = Bench()
        _ = bench.registry.connect("CP1", version: version, now: 0)
        func answer(_ text: String) -> OCPPFrame? {
            let before = bench.sent["CP1", default: []].count
            bench.receive(text, from: "CP1")
            return bench.sent["CP1", default: []].dropFirst(before).first
        }
        let formatViolation = version == .v16 ? "FormationViolation" : "FormatViolation"
        guard case .callError("-1", formatViolation, _) = answer("{oops") else { return #expect(Bool(false)) }
        guard case .callError("-1", formatViolation, _) = answer(#"{"not":"an array"}"#) else { return #expect(Bool(false)) }
        guard case .callError("a", "NotImplemented", _) = answer(#"[2,"a","Teleport",{}]"#) else { return #expect(Bool(false)) }
        guard case .callError("b", "ProtocolError", _) = answer(#"[2,"b","Authorize",{}]"#) else {
            return #expect(Bool(false))
        }
        let wrongType = version == .v16 ? #"{"idTag":5}"# : #"{"idToken":{"idToken":5,"type":"Central"}}"#
        guard case .callError("c", "TypeConstraintViolation", _) = answer(#"[2,"c","Authorize",\#(wrongType)]"#) else {
            return #expect(Bool(false))
        }
        guard case .callResult("d", _) = answer(#"[2,"d","Heartbeat",{}]"#) else { return #expect(Bool(false)) }
        #expect(bench.model.activeSessionCount == 0)
    }
}

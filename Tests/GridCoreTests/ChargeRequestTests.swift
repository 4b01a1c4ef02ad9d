import GridCore
import Testing

@Suite struct ChargeRequestTests {
    static func body(_ fields: [String: JSONValue]) -> JSONValue { .object(fields) }

    static let valid: [String: JSONValue] = [
        "vehicleId": .string("EV-1"), "energyKWh": .number(30), "maxPowerKW": .number(11), "departureMinutes": .number(240),
    ]

    @Test func acceptsAValidRequest() throws {
        let request = try ChargeRequest.validate(Self.body(Self.valid)).get()
        #expect(request == ChargeRequest(vehicleId: "EV-1", energyKWh: 30, maxPowerKW: 11, departureMinutes: 240))
        var noDeparture = Self.valid
        noDeparture["departureMinutes"] = nil
        #expect(try ChargeRequest.validate(Self.body(noDeparture)).get().departureMinutes == nil)
    }

    @Test(arguments: [
        ("vehicleId", JSONValue.string("")), ("vehicleId", .string(String(repeating: "x", count: 65))),
        ("vehicleId", .string("EV 1")), ("vehicleId", .string("EV/1")), ("vehicleId", .number(1)),
        ("energyKWh", .number(0)), ("energyKWh", .number(-1)), ("energyKWh", .number(200.01)), ("energyKWh", .string("30")),
        ("maxPowerKW", .number(0)), ("maxPowerKW", .number(350.5)), ("maxPowerKW", .bool(true)),
        ("departureMinutes", .number(0)), ("departureMinutes", .number(2881)), ("departureMinutes", .string("soon")),
        ("unexpected", .number(1)),
    ])
    func namesTheInvalidField(_ field: String, _ value: JSONValue) {
        var fields = Self.valid
        fields[field] = value
        guard case .failure(let failure) = ChargeRequest.validate(Self.body(fields)) else {
            Issue.record("\(field) = \(value) was accepted")
            return
        }
        #expect(failure.errors.map(\.field) == [field])
    }

    @Test func edgesOfTheRangesAreAccepted() throws {
        var fields = Self.valid
        fields["vehicleId"] = .string(String(repeating: "a", count: 64))
        fields["energyKWh"] = .number(200)
        fields["maxPowerKW"] = .number(350)
        fields["departureMinutes"] = .number(2880)
        _ = try ChargeRequest.validate(Self.body(fields)).get()
    }

    @Test func reportsEveryMissingField() {
        guard case .failure(let failure) = ChargeRequest.validate(.object([:])) else {
            Issue.record("empty object accepted")
            return
        }
        #expect(Set(failure.errors.map(\.field)) == ["vehicleId", "energyKWh", "maxPowerKW"])
        #expect(failure.errors.allSatisfy { $0.message == "is required" })
    }

    @Test func refusesANonObject() {
        guard case .failure(let failure) = ChargeRequest.validate(.array([])) else {
            Issue.record("array accepted")
            return
        }
        #expect(failure.errors == [FieldError(field: "body", message: "must be a JSON object, got array")])
    }
}

@Suite struct IdempotencyLedgerTests {
    @Test func aRetryReplaysAndAnotherBodyConflicts() {
        var ledger = IdempotencyLedger<String>()
        guard case .proceed = ledger.check(key: "k", fingerprint: "a", now: 0) else {
            Issue.record("first use must proceed")
            return
        }
        guard case .inProgress = ledger.check(key: "k", fingerprint: "a", now: 1) else {
            Issue.record("in progress")
            return
        }
        ledger.record(key: "k", fingerprint: "a", answer: "201 id-1", now: 2)
        guard case .replay(let answer) = ledger.check(key: "k", fingerprint: "a", now: 3) else {
            Issue.record("replay")
            return
        }
        #expect(answer == "201 id-1")
        guard case .conflict = ledger.check(key: "k", fingerprint: "b", now: 4) else {
            Issue.record("conflict")
            return
        }
    }

    @Test func keysExpireAndAbandonedKeysCanBeReused() {
        var ledger = IdempotencyLedger<String>(lifetimeSeconds: 10)
        _ = ledger.check(key: "k", fingerprint: "a", now: 0)
        ledger.record(key: "k", fingerprint: "a", answer: "x", now: 0)
        guard case .proceed = ledger.check(key: "k", fingerprint: "b", now: 11) else {
            Issue.record("expired key is new")
            return
        }
        ledger.abandon(key: "k")
        guard case .proceed = ledger.check(key: "k", fingerprint: "c", now: 12) else {
            Issue.record("abandoned key is new")
            return
        }
    }

    @Test func staysBounded() {
        var ledger = IdempotencyLedger<Int>(capacity: 100)
        for index in 0..<1_000 {
            _ = ledger.check(key: "k\(index)", fingerprint: "f", now: Double(index))
            ledger.record(key: "k\(index)", fingerprint: "f", answer: index, now: Double(index))
        }
        #expect(ledger.count <= 101)
    }
}

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

    /// Unknown keys are found however the caller's own fields overlap the request's.
    @Test func unknownKeysAreNamedBesideTheCallersOwnFields() {
        var fields = Self.valid
        fields["id"] = .string("o-1")
        fields["color"] = .string("red")
        for allowing: Set<String> in [["id"], ["id", "vehicleId"], ["vehicleId", "energyKWh", "id", "other"]] {
            guard case .failure(let failure) = ChargeRequest.validate(Self.body(fields), alsoAllowing: allowing) else {
                Issue.record("an unknown key was accepted, allowing \(allowing)")
                continue
            }
            #expect(failure.errors.map(\.field) == ["color"])
        }
        fields["color"] = nil
        #expect((try? ChargeRequest.validate(Self.body(fields), alsoAllowing: ["id"]).get()) != nil)
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

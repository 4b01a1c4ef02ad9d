import GridCore
import Testing

@Suite struct WaitingLineTests {
    static let request = ChargeRequest(vehicleId: "EV-1", energyKWh: 20, maxPowerKW: 11)

    static func entry(_ id: String, at time: Double, waiting minutes: Double = 10) -> WaitingLine.Entry {
        WaitingLine.Entry(orderId: id, request: request, enqueuedAt: time, waitUntil: time + minutes * 60)
    }

    @Test func firstComeFirstServedWithPositions() throws {
        var line = WaitingLine(capacity: 10)
        #expect(try line.enqueue(Self.entry("a", at: 0)) == 1)
        #expect(try line.enqueue(Self.entry("b", at: 1)) == 2)
        #expect(line.head?.orderId == "a")
        line.end("a", as: .admitted)
        #expect(line.head?.orderId == "b")
        #expect(line.place(of: "b") == .waiting(position: 1, entry: Self.entry("b", at: 1)))
        #expect(line.place(of: "a") == .ended(.admitted, entry: Self.entry("a", at: 0)))
        #expect(line.place(of: "zzz") == nil)
    }

    @Test func theLineIsBounded() throws {
        var line = WaitingLine(capacity: 2)
        _ = try line.enqueue(Self.entry("a", at: 0))
        _ = try line.enqueue(Self.entry("b", at: 0))
        #expect(throws: WaitingLine.Refusal.full(capacity: 2)) { try line.enqueue(Self.entry("c", at: 0)) }
    }

    /// A wait that runs out ends as expired; a car ends only once, however it ends.
    @Test func waitsExpireAndEndOnce() throws {
        var line = WaitingLine(capacity: 10)
        _ = try line.enqueue(Self.entry("short", at: 0, waiting: 1))
        _ = try line.enqueue(Self.entry("long", at: 0, waiting: 30))
        #expect(line.expire(now: 59).isEmpty)
        #expect(line.expire(now: 60).map(\.orderId) == ["short"])
        #expect(line.end("short", as: .admitted) == nil, "an expired car cannot be admitted too")
        #expect(line.end("long", as: .cancelled) != nil)
        #expect(line.end("long", as: .admitted) == nil)
        #expect(line.count == 0)
    }

    @Test func aRestoredLineKeepsItsOrder() throws {
        var line = WaitingLine(capacity: 10)
        line.restore(waiting: [Self.entry("second", at: 2), Self.entry("first", at: 1)], ended: [(.expired, Self.entry("gone", at: 0))])
        #expect(line.head?.orderId == "first")
        #expect(line.place(of: "gone") == .ended(.expired, entry: Self.entry("gone", at: 0)))
    }
}

@Suite struct WaitRequestTests {
    static func parse(_ text: String) throws -> Result<WaitRequest, ValidationFailure> {
        WaitRequest.validate(try StrictJSONParser.parse(Array(text.utf8)))
    }

    @Test(arguments: ["-1", "1441", "1.5", "\"10\"", "true"])
    func aBadWaitIsAFieldError(_ value: String) throws {
        guard case .failure(let failure) = try Self.parse(#"{"vehicleId":"EV-1","energyKWh":20,"maxPowerKW":11,"maxWaitMinutes":\#(value)}"#) else {
            Issue.record("accepted maxWaitMinutes \(value)")
            return
        }
        #expect(failure.errors.map(\.field) == ["maxWaitMinutes"])
    }

    @Test func aWaitIsOptional() throws {
        #expect(try Self.parse(#"{"vehicleId":"EV-1","energyKWh":20,"maxPowerKW":11}"#).get().maxWaitMinutes == 0)
        #expect(try Self.parse(#"{"vehicleId":"EV-1","energyKWh":20,"maxPowerKW":11,"maxWaitMinutes":1440}"#).get().maxWaitMinutes == 1440)
    }
}

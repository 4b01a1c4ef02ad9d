import GridCore
import GridHTTP
import NIOCore
import Testing

/// An order body of the plain shape is read straight from its bytes; every other body goes
/// through the whole parser. On every body the short way takes, both ways give the same order or
/// the same field errors, and a body that does not parse never takes it.
@Suite struct PlainOrderTests {
    static let plainBodies = [
        #"{"id":"o-1","vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11,"departureMinutes":90}"#,
        #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11}"#,
        #" { "maxPowerKW" : 7.4 , "energyKWh":1.5e1,"vehicleId":"car_9.x" ,"departureMinutes":null }  "#,
        #"{"vehicleId":"EV-1","energyKWh":-3,"maxPowerKW":true,"id":"bad id"}"#,
        #"{"vehicleId":"","energyKWh":0,"maxPowerKW":351,"departureMinutes":2881}"#,
        #"{"vehicleId":"EV-1","energyKWh":"30","maxPowerKW":null,"departureMinutes":false}"#,
        #"{"energyKWh":30}"#,
        "{}",
        #"{"vehicleId":"EV-1","energyKWh":1E+2,"maxPowerKW":0.5,"id":"x"}"#,
    ]

    static let otherBodies = [
        #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11,"color":"red"}"#,  // an unknown key
        #"{"vehicleId":"EV-1","vehicleId":"EV-2","energyKWh":30,"maxPowerKW":11}"#,  // a duplicate
        #"{"vehicleId":"EV\u002d1","energyKWh":30,"maxPowerKW":11}"#,  // an escape
        #"{"vehicleId":"É","energyKWh":30,"maxPowerKW":11}"#,  // not ASCII
        #"{"vehicleId":["EV-1"],"energyKWh":30,"maxPowerKW":11}"#,  // nested
        #"[{"vehicleId":"EV-1"}]"#, "", "  ", "{", #"{"vehicleId":"EV-1",}"#, #"{"energyKWh":1e999}"#, #"{"energyKWh":01}"#,
        #"{"vehicleId":"EV-1"} x"#,
    ]

    static func plain(_ body: String) -> Result<SessionOrder, ValidationFailure>? {
        ByteBuffer(string: body).withUnsafeReadableBytes { SessionOrder.validate(plain: $0, newID: { "fresh" }) }
    }

    /// What the whole parser and the validation of the tree make of `body`; nil if it does not parse.
    static func whole(_ body: String) -> Result<SessionOrder, ValidationFailure>? {
        EditedBodies.parsed(Array(body.utf8)).map { SessionOrder.validate($0, newID: { "fresh" }) }
    }

    @Test func plainBodiesTakeTheShortWayAndAgree() {
        for body in Self.plainBodies {
            let plain = Self.plain(body)
            #expect(plain != nil, "not read as plain: \(body)")
            #expect(plain == Self.whole(body), "\(body)")
        }
    }

    @Test func otherBodiesAreLeftToTheWholeParser() {
        for body in Self.otherBodies { #expect(Self.plain(body) == nil, "read as plain: \(body)") }
    }

    /// Random edits of plain bodies: wherever the short way answers, the whole way answers the same.
    @Test func theShortWayAgreesWithTheWholeWayOnEditedBodies() {
        let bodies = EditedBodies.make(
            from: Self.plainBodies, keys: [#""id":"k","#, #""color":1,"#, #""vehicleId":"EV-2","#, #""departureMinutes":5,"#], count: 30_000
        )
        var plainTaken = 0
        for bytes in bodies {
            let plain = bytes.withUnsafeBytes { SessionOrder.validate(plain: $0, newID: { "fresh" }) }
            guard let plain else { continue }
            plainTaken += 1
            let whole = EditedBodies.parsed(bytes).map { SessionOrder.validate($0, newID: { "fresh" }) }
            #expect(whole == plain, "\(String(decoding: bytes, as: UTF8.self))")
        }
        // Enough edited bodies stay plain for the comparison to mean something (about 1 in 17).
        #expect(plainTaken > 1_000, "only \(plainTaken) edited bodies were read as plain")
    }

    @Test func readAnswersAsTheRoutesDid() {
        func problem(_ contentType: String?, _ body: String) -> Problem? {
            do throws(Problem) {
                _ = try SessionOrder.read(contentType: contentType, body: ByteBuffer(string: body), newID: { "fresh" })
                return nil
            } catch {
                return error
            }
        }
        #expect(problem("text/plain", Self.plainBodies[0])?.status == .unsupportedMediaType)
        #expect(problem(nil, Self.plainBodies[0])?.status == .unsupportedMediaType)
        #expect(problem("application/json", "")?.title == "Malformed JSON")
        #expect(problem("application/json", #"{"vehicleId":"EV-1","vehicleId":"x"}"#)?.title == "Malformed JSON")
        let invalid = problem("application/json", #"{"vehicleId":"EV-1","energyKWh":-3,"maxPowerKW":11,"color":1}"#)
        #expect(invalid?.status == .badRequest && invalid?.title == "Invalid request")
        #expect(invalid?.errors?.map(\.field) == ["energyKWh", "color"])
        #expect(problem("application/json; charset=utf-8", Self.plainBodies[0]) == nil)
    }

    /// An order read from a plain body that names its id goes on as that body: read again (as the
    /// substation reads it), it is the same order. Any other order is written afresh.
    @Test func anOrderThatNamedItsIdGoesOnAsItsOwnBytes() throws {
        func read(_ body: String) throws -> SessionOrder {
            try SessionOrder.read(contentType: "application/json", body: ByteBuffer(string: body), newID: { "fresh" })
        }
        for body in [Self.plainBodies[0], #" {"maxPowerKW":7.4,"energyKWh":1.5e1, "vehicleId":"car_9.x","id":"o-2"} "#] {
            let order = try read(body)
            #expect(order.jsonBody == ByteBuffer(string: body), "sent as it came: \(body)")
            let again = try read(String(buffer: order.jsonBody))
            #expect(again == order && again.id == order.id)
        }
        let named = try read(Self.plainBodies[0])
        let made = SessionOrder(id: named.id, request: named.request)
        #expect(made == named, "the bytes it came as are not part of what the order is")
        #expect(made.jsonBody != named.jsonBody, "an order made in code is written out (keys sorted)")
        #expect(try read(String(buffer: made.jsonBody)) == named)

        let unnamed = try read(Self.plainBodies[1])
        #expect(unnamed.id == "fresh")
        #expect(try read(String(buffer: unnamed.jsonBody)).id == "fresh", "a fresh id is written into the order it sends")
        let padded = try read(#"{"id":"o-4","vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11}"# + String(repeating: " ", count: 600))
        #expect(padded.jsonBody.readableBytes < 200, "a body padded past the limit is written afresh")
        let escaped = try read(#"{"id":"o-3","vehicleId":"EV\u002d1","energyKWh":30,"maxPowerKW":11}"#)
        #expect(String(buffer: escaped.jsonBody).contains(#""vehicleId":"EV-1""#), "read by the whole parser: written afresh")
    }
}

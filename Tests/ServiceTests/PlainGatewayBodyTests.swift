import Foundation
import GridCore
import NIOCore
import Testing

@testable import GridHTTP

/// The gateway's charge requests and the sessions substations answer are read straight from
/// their bytes when plain; on every body the short way takes, it reads what the whole parser does.
@Suite struct PlainGatewayBodyTests {
    static let waitBodies = [
        #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11}"#,
        #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11,"departureMinutes":90,"maxWaitMinutes":15}"#,
        #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11,"maxWaitMinutes":null}"#,
        #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11,"maxWaitMinutes":2.5}"#,
        #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":-1,"maxWaitMinutes":1441}"#,
        #" { "maxWaitMinutes" : 0 , "vehicleId":"x" } "#,
    ]

    static func text(_ resource: SessionResource) -> String {
        String(decoding: try! WireJSON.encoder.encode(resource), as: UTF8.self)
    }

    static var sessionBodies: [String] {
        let session = ChargingSession(
            id: "o-1", request: ChargeRequest(vehicleId: "EV-1", energyKWh: 30, maxPowerKW: 11), pointMaxKW: 22, startedAt: 0,
            createdAtEpochSeconds: 1_764_000_000)
        var withCharger = SessionResource(session, substationId: "S2")
        withCharger.chargePointId = "CP-1"
        withCharger.connectorId = 2
        withCharger.transactionId = "tx-9"
        return [
            text(SessionResource(session, substationId: "S1")), text(withCharger),
            #"{"id":"o-2","substationId":"S3","status":"departed"}"#, #"{"id":"o-2","substationId":"S3","status":"parked"}"#,
            #"{"id":7,"substationId":"S3","status":"charging"}"#,
        ]
    }

    @Test func waitRequestsReadTheSameEitherWay() {
        for body in Self.waitBodies {
            #expect(Array(body.utf8).withUnsafeBytes { WaitRequest.validate(plain: $0) } != nil, "not plain: \(body)")
        }
        var plainTaken = 0
        for bytes in EditedBodies.make(from: Self.waitBodies, keys: [#""maxWaitMinutes":3,"#, #""id":"k","#], count: 30_000) {
            guard let plain = bytes.withUnsafeBytes({ WaitRequest.validate(plain: $0) }) else { continue }
            plainTaken += 1
            #expect(EditedBodies.parsed(bytes).map(WaitRequest.validate) == plain, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(plainTaken > 1_000, "only \(plainTaken) edited bodies were read as plain")
    }

    /// What `SessionPlacement` read from the whole parser's tree before the short way.
    static func wholePlacement(_ bytes: [UInt8]) -> SessionPlacement? {
        guard let json = EditedBodies.parsed(bytes), case .string(let id)? = json["id"],
            case .string(let substationId)? = json["substationId"], case .string(let statusName)? = json["status"],
            let status = ChargingSession.Status(rawValue: statusName)
        else { return nil }
        return SessionPlacement(id: id, substationId: substationId, status: status)
    }

    @Test func sessionsReadTheSameEitherWay() {
        for body in Self.sessionBodies {
            let plain = Array(body.utf8).withUnsafeBytes { StrictJSONParser.flatObject($0, keys: SessionPlacement.sessionKeys) }
            #expect(plain != nil, "a substation's session is not plain: \(body)")
        }
        #expect(
            SessionPlacement(json: ByteBuffer(string: Self.sessionBodies[0]))
                == SessionPlacement(id: "o-1", substationId: "S1", status: .charging))
        // Values that are not read are still checked: a number out of range is not JSON.
        #expect(SessionPlacement(json: ByteBuffer(string: #"{"id":"a","substationId":"S","status":"charging","powerKW":1e999}"#)) == nil)
        var plainTaken = 0
        for bytes in EditedBodies.make(from: Self.sessionBodies, keys: [#""status":"completed","#, #""extra":1,"#], count: 20_000) {
            if bytes.withUnsafeBytes({ StrictJSONParser.flatObject($0, keys: SessionPlacement.sessionKeys) }) != nil { plainTaken += 1 }
            #expect(
                SessionPlacement(json: ByteBuffer(bytes: bytes)) == Self.wholePlacement(bytes), "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(plainTaken > 1_000, "only \(plainTaken) edited bodies were read as plain")
    }
}

import GridCore
import GridHTTP
import NIOCore
import Testing

/// Reading where a session lives from a substation's JSON, without JSONDecoder.
@Suite struct SessionPlacementTests {
    @Test func aSubstationsSessionReadsAsItsPlacement() {
        let body = ByteBuffer(
            string:
                #"{"createdAt":"2026-11-24T10:00:00Z","energyDeliveredKWh":0,"energyRequestedKWh":20,"id":"o-1","powerKW":11,"status":"charging","substationId":"S2","vehicleId":"EV-1"}"#
        )
        #expect(SessionPlacement(json: body) == SessionPlacement(id: "o-1", substationId: "S2", status: .charging))
    }

    @Test func anythingElseReadsAsNothing() {
        for text in [
            "", "not json", "[]", #"{"id":"o-1","status":"charging"}"#, #"{"id":"o-1","substationId":"S2","status":"parked"}"#,
            #"{"id":1,"substationId":"S2","status":"charging"}"#, #"{"id":"o-1","substationId":"S2","status":"charging""#,
        ] {
            #expect(SessionPlacement(json: ByteBuffer(string: text)) == nil, "\(text)")
        }
    }
}

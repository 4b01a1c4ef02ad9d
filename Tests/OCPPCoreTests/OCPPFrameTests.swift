import GridCore
import Testing

@testable import OCPPCore

struct OCPPFrameTests {
    @Test func readsTheThreeMessageTypes() throws {
        #expect(
            try OCPPFrame.parse(#"[2,"19223201","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]"#).get()
                == .call(
                    id: "19223201", action: "BootNotification",
                    payload: .object(["chargePointVendor": .string("V"), "chargePointModel": .string("M")])))
        #expect(
            try OCPPFrame.parse(#"[3,"a",{"status":"Accepted"}]"#).get()
                == .callResult(id: "a", payload: .object(["status": .string("Accepted")])))
        #expect(
            try OCPPFrame.parse(#"[4,"a","NotSupported","no",{}]"#).get() == .callError(id: "a", code: "NotSupported", description: "no"))
    }

    @Test func refusesWhatIsNotAnOCPPMessage() {
        for text in [
            "not json", "{}", "[]", "[2]", #"[9,"a",{}]"#, #"[2,"a","Heartbeat"]"#, #"[2,7,"Heartbeat",{}]"#, #"[2,"a","X",{},{}]"#,
        ] {
            guard case .failure = OCPPFrame.parse(text) else {
                Issue.record("\(text) was read as a frame")
                continue
            }
        }
        // The message id is kept when it can be read, so the answer reaches the right call.
        guard case .failure(let malformed) = OCPPFrame.parse(#"[2,"m7",5,{}]"#) else { return #expect(Bool(false)) }
        #expect(malformed.messageId == "m7")
        guard case .failure(let unreadable) = OCPPFrame.parse("nope") else { return #expect(Bool(false)) }
        #expect(unreadable.messageId == "-1")
    }

    @Test func writesCompactSortedJSONWithWholeNumbersAsIntegers() {
        let frame = OCPPFrame.call(
            id: "sg-1", action: "SetChargingProfile",
            payload: .object(["b": .number(7000), "a": .number(10.5), "c": .string("q\"\n")]))
        #expect(frame.text == #"[2,"sg-1","SetChargingProfile",{"a":10.5,"b":7000,"c":"q\"\n"}]"#)
        #expect(OCPPFrame.callError(id: "x", code: "ProtocolError", description: "d").text == #"[4,"x","ProtocolError","d",{}]"#)
    }

    @Test func errorCodesAreSpelledAsEachVersionSpellsThem() {
        #expect(OCPPErrorCode.formatViolation.name(in: .v16) == "FormationViolation")
        #expect(OCPPErrorCode.formatViolation.name(in: .v201) == "FormatViolation")
        #expect(OCPPErrorCode.typeConstraintViolation.name(in: .v201) == "TypeConstraintViolation")
    }
}

import Foundation
import GridCore
import Testing

@Suite struct StrictJSONParserTests {
    static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try StrictJSONParser.parse(Array(text.utf8))
    }

    @Test func readsWhatJSONAllows() throws {
        let value = try Self.parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "x\u00e9\ud83d\ude00\n\"/"}, "": 0} "#)
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("xé😀\n\"/"))
        #expect(value[""] == .number(0))
        #expect(try Self.parse("\"ü\"") == .string("ü"))
        #expect(try Self.parse("0") == .number(0))
    }

    @Test(arguments: [
        (#"{"energyKWh": 30, "energyKWh": 5}"#, "duplicate key \"energyKWh\""),
        (#"{"energyKWh": 30, "energyKWh": }"#, "duplicate key \"energyKWh\""),
        (#"{"energyKWh": NaN}"#, "unexpected character"),
        (#"{"energyKWh": Infinity}"#, "unexpected character"),
        (#"{"energyKWh": 1e999}"#, "number out of range"),
        (#"{"energyKWh": -1e400}"#, "number out of range"),
        (#"{"a": 01}"#, "expected ',' or '}'"),
        (#"{"a": 1,}"#, "expected a key"),
        (#"[1, 2,]"#, "unexpected character"),
        (#"{"a": "\ud800"}"#, "unpaired surrogate"),
        (#"{"a": "\udc00x"}"#, "unpaired surrogate"),
        (#"{"a": "\x"}"#, "unknown escape"),
        ("{\"a\": \"line\nbreak\"}", "control character"),
        (#"{"a": tru}"#, "unknown word"),
        (#"{"a": 1} {}"#, "unexpected text after"),
        (#"{"a": 1."#, "a fraction needs a digit"),
        (#"{"a""#, "expected ':'"),
        ("", "the JSON ends"),
    ])
    func refuses(_ text: String, _ reason: String) {
        #expect(throws: JSONSyntaxError.self) { try Self.parse(text) }
        do {
            _ = try Self.parse(text)
        } catch {
            #expect(error.message.contains(reason), "\(text): \(error)")
        }
    }

    /// Whole numbers of up to 15 digits are read without text; every number reads as Swift's
    /// own parsing of its text does, the sign of zero included.
    @Test func numbersReadAsTheirTextDoes() throws {
        for text in [
            "0", "-0", "7", "-42", "123456789012345", "-999999999999999", "1234567890123456", "99999999999999999999", "1.5", "-0.0",
            "1e3", "2E-2", "0.1",
        ] {
            guard case .number(let number) = try Self.parse(text) else {
                Issue.record("\(text) is not a number")
                continue
            }
            let expected = try #require(Double(text))
            #expect(number == expected && number.sign == expected.sign, "\(text) read as \(number)")
        }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        for bytes: [UInt8] in [
            [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82],
        ] {
            #expect(throws: JSONSyntaxError.self) { try StrictJSONParser.parse(bytes) }
        }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONSyntaxError.self) { try Self.parse(deep) }
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? Self.parse(deepest)) != nil)
        let huge = String(repeating: "[", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try Self.parse(huge) }
    }

    /// Fuzz: random bytes and random mutations of valid bodies. The parser never crashes, and
    /// whatever it accepts Foundation reads as the same value.
    @Test func randomBytesNeverCrashAndWhatIsAcceptedIsRealJSON() throws {
        var generator = SeededGenerator(seed: 77)
        let seeds = [
            #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11,"departureMinutes":90}"#,
            #"[{"a":[1,2,{"b":null}]},"\u00e9",-0.5e-3,true]"#, #"{"x":"\ud83d\ude00","y":{}}"#,
        ].map { Array($0.utf8) }
        let alphabet = Array(#"{}[]":,.-+eE0123456789tfnul\ "#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xA9, 0xFF, 0xED]
        var accepted = 0
        for round in 0..<30_000 {
            var bytes: [UInt8]
            if round % 3 == 0 {
                bytes = (0..<Int.random(in: 0..<40, using: &generator)).map { _ in
                    Bool.random(using: &generator)
                        ? UInt8.random(in: 0...255, using: &generator) : alphabet.randomElement(using: &generator)!
                }
            } else {
                bytes = seeds.randomElement(using: &generator)!
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    let at = Int.random(in: 0...bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0 where at < bytes.count: bytes.remove(at: at)
                    case 1 where at < bytes.count: bytes[at] = alphabet.randomElement(using: &generator)!
                    default: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                    }
                }
            }
            guard let value = try? StrictJSONParser.parse(bytes) else { continue }
            accepted += 1
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
            #expect(foundation == value, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 500, "the mutations should leave many bodies valid: \(accepted)")
    }
}

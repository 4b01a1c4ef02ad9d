import GridCore
import Testing

@testable import OCPPCore

struct MeterReadingTests {
    func entry(_ samples: [JSONValue]) -> JSONValue {
        .object(["timestamp": .string("2026-01-01T00:00:00Z"), "sampledValue": .array(samples)])
    }

    @Test func readsOCPP16PowerInWattsOrKilowattsSummingPhases() throws {
        let power = { (value: String, unit: String?, phase: String?) -> JSONValue in
            var sample: [String: JSONValue] = ["value": .string(value), "measurand": .string("Power.Active.Import")]
            if let unit { sample["unit"] = .string(unit) }
            if let phase { sample["phase"] = .string(phase) }
            return .object(sample)
        }
        #expect(try MeterReading.powerKW([entry([power("7400", nil, nil)])], version: .v16) == 7.4)
        #expect(try MeterReading.powerKW([entry([power("11", "kW", nil)])], version: .v16) == 11)
        #expect(
            try MeterReading.powerKW(
                [entry([power("2000", "W", "L1"), power("2000", "W", "L2"), power("2500", "W", "L3")])], version: .v16) == 6.5)
        // Energy registers alone say nothing about power now; the newest entry wins.
        let energy: JSONValue = .object(["value": .string("12345"), "measurand": .string("Energy.Active.Import.Register")])
        #expect(try MeterReading.powerKW([entry([energy])], version: .v16) == nil)
        #expect(try MeterReading.powerKW([entry([power("1000", nil, nil)]), entry([power("3000", nil, nil)])], version: .v16) == 3)
        #expect(throws: PayloadReader.Violation.self) { try MeterReading.powerKW([entry([power("lots", nil, nil)])], version: .v16) }
    }

    @Test func readsOCPP201PowerWithItsUnitAndMultiplier() throws {
        let sample: JSONValue = .object([
            "value": .number(7.2), "measurand": .string("Power.Active.Import"),
            "unitOfMeasure": .object(["unit": .string("kW"), "multiplier": .number(0)]),
        ])
        #expect(try MeterReading.powerKW([entry([sample])], version: .v201) == 7.2)
        let scaled: JSONValue = .object([
            "value": .number(72), "measurand": .string("Power.Active.Import"),
            "unitOfMeasure": .object(["unit": .string("W"), "multiplier": .number(2)]),
        ])
        #expect(try MeterReading.powerKW([entry([scaled])], version: .v201) == 7.2)
        let text: JSONValue = .object(["value": .string("7200"), "measurand": .string("Power.Active.Import")])
        #expect(throws: PayloadReader.Violation.self) { try MeterReading.powerKW([entry([text])], version: .v201) }
    }
}

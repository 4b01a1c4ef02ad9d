import Foundation
import GridCore

/// The active power a charger reports in `meterValue` (MeterValues, StopTransaction's
/// transactionData, TransactionEvent): the `Power.Active.Import` samples of the newest entry,
/// summed over phases when given per phase, in kW.
enum MeterReading {
    static func powerKW(_ meterValues: [JSONValue], version: OCPPVersion) throws(PayloadReader.Violation) -> Double? {
        var newest: Double?
        for entry in meterValues {
            let reader = try PayloadReader(entry, path: "meterValue")
            _ = try reader.string("timestamp")
            var total: Double?
            var phaseTotal: Double?
            for item in try reader.array("sampledValue") {
                let sample = try PayloadReader(item, path: "sampledValue")
                guard try sample.optionalString("measurand") == "Power.Active.Import" else {
                    try checkValue(sample, version: version)
                    continue
                }
                let watts = try value(sample, version: version)
                if let phase = try sample.optionalString("phase"), ["L1", "L2", "L3", "L1-N", "L2-N", "L3-N"].contains(phase) {
                    phaseTotal = (phaseTotal ?? 0) + watts
                } else {
                    total = watts
                }
            }
            if let reading = total ?? phaseTotal { newest = reading / 1000 }
        }
        return newest
    }

    private static func checkValue(_ sample: PayloadReader, version: OCPPVersion) throws(PayloadReader.Violation) {
        switch version {
        case .v16: _ = try sample.string("value")
        case .v201: _ = try sample.number("value")
        }
    }

    /// A sample's value in watts.
    private static func value(_ sample: PayloadReader, version: OCPPVersion) throws(PayloadReader.Violation) -> Double {
        switch version {
        case .v16:
            let text = try sample.string("value")
            guard let number = Double(text), number.isFinite else {
                throw PayloadReader.Violation(code: .typeConstraintViolation, description: "sampledValue.value \(text) is not a number")
            }
            return (try sample.optionalString("unit")) == "kW" ? number * 1000 : number
        case .v201:
            let number = try sample.number("value")
            guard let unit = try sample.optionalObject("unitOfMeasure") else { return number }
            let scale = pow(10, Double(try unit.optionalInteger("multiplier") ?? 0))
            return ((try unit.optionalString("unit")) == "kW" ? number * 1000 : number) * scale
        }
    }
}

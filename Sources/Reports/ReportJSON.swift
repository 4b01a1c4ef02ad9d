import Foundation

/// How reports are written as JSON: sorted keys and stable formatting, so the same report gives
/// the same bytes.
public enum ReportJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

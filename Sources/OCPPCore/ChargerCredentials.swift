import Foundation

/// Per-charger passwords for OCPP security profile 1 (HTTP Basic auth), read from a file of
/// `chargePointId:password` lines; blank lines and lines starting with `#` are skipped.
public struct ChargerCredentials: Equatable, Sendable {
    let passwords: [String: String]

    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    public init(passwords: [String: String]) {
        self.passwords = passwords
    }

    public init(fileText: String) throws(Malformed) {
        var passwords: [String: String] = [:]
        for (number, raw) in fileText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex, line.index(after: colon) != line.endIndex else {
                throw Malformed(description: "line \(number + 1) is not chargePointId:password")
            }
            passwords[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        self.passwords = passwords
    }

    public var count: Int { passwords.count }

    /// The `Authorization` header proves to be this charger: Basic, its id as user, its password.
    public func admits(_ authorization: String?, chargePointId: String) -> Bool {
        guard let authorization, authorization.count < 1024, authorization.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":"),
            let expected = passwords[chargePointId]
        else { return false }
        let user = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        return user == chargePointId && Self.equalInConstantTime(password, expected)
    }

    private static func equalInConstantTime(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8)
        let b = Array(right.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

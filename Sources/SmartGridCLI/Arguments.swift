import ArgumentParser
import Foundation
import GridCore

extension PolicyName: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension PowerAllocation: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// A service URL given on the command line: http(s)://host:port, no trailing slash.
func serviceURL(_ text: String, flag: String) throws -> String {
    guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
        throw ValidationError("\(flag) must be an http:// URL such as http://127.0.0.1:7101, got '\(text)'")
    }
    return text.hasSuffix("/") ? String(text.dropLast()) : text
}

/// Prints where a service listens, on one line of standard output, as soon as it does.
func announce(_ role: String) -> @Sendable (String, Int) async -> Void {
    { host, port in
        printLine("smartgrid \(role) listening on http://\(host):\(port)")
    }
}

/// Writes one line to standard output at once, unbuffered, so a parent reading a pipe sees it.
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// One sample of a Prometheus text exposition: `name{labels} value [timestamp]`.
public struct MetricSample: Equatable, Sendable {
    public var name: String
    public var labels: [String: String]
    public var value: Double
    /// Milliseconds since 1970, when the exposition gave one.
    public var timestampMilliseconds: Int64?

    public init(name: String, labels: [String: String] = [:], value: Double, timestampMilliseconds: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }
}

/// A line of an exposition that is not valid text format.
public struct ExpositionSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}

/// Parses the Prometheus text exposition format (version 0.0.4): HELP and TYPE lines, comments,
/// labels with escapes, NaN and infinities, optional timestamps. Anything else is an error, never
/// a crash: a substation serving garbage is a failed scrape.
public enum PrometheusTextParser {
    public static func parse(_ text: String) throws(ExpositionSyntaxError) -> [MetricSample] {
        var samples: [MetricSample] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.first == "#" { continue }
            do {
                samples.append(try parseSample(Array(trimmed.utf8)))
            } catch let reason {
                throw ExpositionSyntaxError(line: lineNumber, reason: reason.text)
            }
        }
        return samples
    }

    struct Reason: Error { var text: String }

    private static func parseSample(_ bytes: [UInt8]) throws(Reason) -> MetricSample {
        var cursor = 0
        let name = try readName(bytes, &cursor, metric: true)
        var labels: [String: String] = [:]
        var blanks = skipBlanks(bytes, &cursor)
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "{") {
            cursor += 1
            labels = try readLabels(bytes, &cursor)
            blanks = skipBlanks(bytes, &cursor)
        }
        guard blanks > 0 || cursor >= bytes.count else {
            throw Reason(text: "expected a space before the value")
        }
        guard let valueToken = readToken(bytes, &cursor) else { throw Reason(text: "missing value") }
        guard let value = parseValue(valueToken) else { throw Reason(text: "invalid value '\(valueToken)'") }
        skipBlanks(bytes, &cursor)
        var timestamp: Int64?
        if let token = readToken(bytes, &cursor) {
            guard let parsed = Int64(token) else { throw Reason(text: "invalid timestamp '\(token)'") }
            timestamp = parsed
        }
        skipBlanks(bytes, &cursor)
        guard cursor >= bytes.count else { throw Reason(text: "unexpected text after the sample") }
        return MetricSample(name: name, labels: labels, value: value, timestampMilliseconds: timestamp)
    }

    private static func readLabels(_ bytes: [UInt8], _ cursor: inout Int) throws(Reason) -> [String: String] {
        var labels: [String: String] = [:]
        while true {
            skipBlanks(bytes, &cursor)
            guard cursor < bytes.count else { throw Reason(text: "unterminated label set") }
            if bytes[cursor] == UInt8(ascii: "}") {
                cursor += 1
                return labels
            }
            let name = try readName(bytes, &cursor, metric: false)
            skipBlanks(bytes, &cursor)
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else { throw Reason(text: "expected '=' after label \(name)") }
            cursor += 1
            skipBlanks(bytes, &cursor)
            guard labels[name] == nil else { throw Reason(text: "duplicate label \(name)") }
            labels[name] = try readQuoted(bytes, &cursor)
            skipBlanks(bytes, &cursor)
            guard cursor < bytes.count else { throw Reason(text: "unterminated label set") }
            if bytes[cursor] == UInt8(ascii: ",") {
                cursor += 1
            } else if bytes[cursor] != UInt8(ascii: "}") {
                throw Reason(text: "expected ',' or '}' in label set")
            }
        }
    }

    private static func readQuoted(_ bytes: [UInt8], _ cursor: inout Int) throws(Reason) -> String {
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") else { throw Reason(text: "label value must be quoted") }
        cursor += 1
        var value: [UInt8] = []
        while cursor < bytes.count {
            let byte = bytes[cursor]
            cursor += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard cursor < bytes.count else { throw Reason(text: "dangling escape in label value") }
                let escaped = bytes[cursor]
                cursor += 1
                switch escaped {
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "\\"), UInt8(ascii: "\""): value.append(escaped)
                default: value.append(contentsOf: [UInt8(ascii: "\\"), escaped])
                }
            default:
                value.append(byte)
            }
        }
        throw Reason(text: "unterminated label value")
    }

    private static func readName(_ bytes: [UInt8], _ cursor: inout Int, metric: Bool) throws(Reason) -> String {
        let start = cursor
        while cursor < bytes.count {
            let byte = bytes[cursor]
            let isLetter =
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
                || (metric && byte == UInt8(ascii: ":"))
            let isDigit = byte >= 0x30 && byte <= 0x39
            guard isLetter || (isDigit && cursor > start) else { break }
            cursor += 1
        }
        guard cursor > start else { throw Reason(text: metric ? "expected a metric name" : "expected a label name") }
        return String(decoding: bytes[start..<cursor], as: UTF8.self)
    }

    private static func readToken(_ bytes: [UInt8], _ cursor: inout Int) -> String? {
        let start = cursor
        while cursor < bytes.count, bytes[cursor] != UInt8(ascii: " "), bytes[cursor] != UInt8(ascii: "\t") {
            cursor += 1
        }
        return cursor > start ? String(decoding: bytes[start..<cursor], as: UTF8.self) : nil
    }

    @discardableResult
    private static func skipBlanks(_ bytes: [UInt8], _ cursor: inout Int) -> Int {
        let start = cursor
        while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") || bytes[cursor] == UInt8(ascii: "\t") {
            cursor += 1
        }
        return cursor - start
    }

    /// A sample value: a decimal number, `NaN`, `+Inf` or `-Inf`.
    public static func parseValue(_ token: String) -> Double? {
        switch token {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            // Double(_:) also takes "nan", "inf" and hex floats; the format does not.
            guard token.utf8.allSatisfy({ "0123456789+-.eE".utf8.contains($0) }) else { return nil }
            return Double(token)
        }
    }
}

extension Array where Element == MetricSample {
    /// The value of the first sample named `name` whose labels include `labels`.
    public func value(of name: String, where labels: [String: String] = [:]) -> Double? {
        first { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }?.value
    }
}

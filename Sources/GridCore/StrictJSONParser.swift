/// Parses JSON text (RFC 8259) strictly: one value, nothing after it, no duplicate keys in an
/// object, no number that overflows a Double (so no infinities; NaN is not JSON), no invalid
/// UTF-8, no unpaired surrogate escapes, and nesting no deeper than `maximumDepth`.
///
/// Pure and total: any bytes give a value or a `JSONSyntaxError`, never a crash.
public struct StrictJSONParser {
    public static let maximumDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private var depth = 0

    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let result = bytes.withUnsafeBytes { bytes in Result { () throws(JSONSyntaxError) in try parse(bytes) } }
        return try result.get()
    }

    /// Parses bytes in place (a request body as it arrived), without copying them first.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONValue {
        var parser = StrictJSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// The keys a flat object may have, as bytes to compare keys with (at most 64). The values of
    /// the first `reading` keys are read; the others' are only checked.
    public struct FlatKeys: Sendable {
        let names: [[UInt8]]
        let reading: Int

        public init(_ names: [String], reading: Int? = nil) {
            precondition(names.count <= 64, "a flat object has at most 64 keys")
            self.names = names.map { Array($0.utf8) }
            self.reading = min(reading ?? names.count, names.count)
        }

        func index(of key: UnsafeRawBufferPointer) -> Int? {
            search: for (index, name) in names.enumerated() where name.count == key.count {
                for offset in 0..<key.count where name[offset] != key[offset] { continue search }
                return index
            }
            return nil
        }
    }

    /// The values of a flat object's first `keys.reading` keys, in their order (nil: absent), read
    /// without a tree. Nil unless the bytes are one JSON object whose keys are among `keys`, each
    /// at most once and without escapes, and whose values are plain strings (ASCII from space up,
    /// no escapes), numbers, true, false or null. The caller reads any other body with `parse`,
    /// which reports what is wrong with it; on every body this accepts, the two read the same values.
    public static func flatObject(_ bytes: UnsafeRawBufferPointer, keys: FlatKeys) -> [JSONValue?]? {
        var parser = StrictJSONParser(bytes: bytes)
        return (try? parser.flatObject(keys)) ?? nil
    }

    private mutating func flatObject(_ keys: FlatKeys) throws(JSONSyntaxError) -> [JSONValue?]? {
        skipWhitespace()
        guard current == UInt8(ascii: "{") else { return nil }
        position += 1
        var values = [JSONValue?](repeating: nil, count: keys.reading)
        var seen: UInt64 = 0
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
        } else {
            fields: while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\""), let key = plainString(),
                    let index = keys.index(of: UnsafeRawBufferPointer(rebasing: bytes[key])), seen & (1 << index) == 0
                else { return nil }
                seen |= 1 << index
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { return nil }
                position += 1
                skipWhitespace()
                let kept = index < keys.reading
                switch current {
                case UInt8(ascii: "\"")?:
                    guard let text = plainString() else { return nil }
                    if kept { values[index] = .string(self.text(text)) }
                case UInt8(ascii: "t")?: values.keep(try literal("true", .bool(true)), at: index, if: kept)
                case UInt8(ascii: "f")?: values.keep(try literal("false", .bool(false)), at: index, if: kept)
                case UInt8(ascii: "n")?: values.keep(try literal("null", .null), at: index, if: kept)
                case let byte? where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte):
                    values.keep(.number(try number()), at: index, if: kept)
                default: return nil
                }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ",")?: position += 1
                case UInt8(ascii: "}")?:
                    position += 1
                    break fields
                default: return nil
                }
            }
        }
        skipWhitespace()
        return position == bytes.count ? values : nil
    }

    /// The range of a string's characters when they are ASCII from space up without escapes (past its
    /// closing quote then); nil otherwise.
    private mutating func plainString() -> Range<Int>? {
        let start = position + 1
        var end = start
        while end < bytes.count, bytes[end] >= 0x20, bytes[end] < 0x80, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") {
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        position = end + 1
        return start..<end
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Text of the bytes in `range`.
    private func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, offset: position)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        switch current {
        case UInt8(ascii: "{")?: return try object()
        case UInt8(ascii: "[")?: return try array()
        case UInt8(ascii: "\"")?: return .string(try string())
        case UInt8(ascii: "t")?: return try literal("true", .bool(true))
        case UInt8(ascii: "f")?: return try literal("false", .bool(false))
        case UInt8(ascii: "n")?: return try literal("null", .null)
        case let byte? where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): return .number(try number())
        case nil: throw error("the JSON ends where a value should be")
        default: throw error("unexpected character where a value should be")
        }
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        for expected in word.utf8 {
            guard current == expected else { throw error("unknown word (only true, false and null are JSON)") }
            position += 1
        }
        return value
    }

    private mutating func nest() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try nest()
        position += 1
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(fields)
        }
        // Room for a small object at once (a charge request has five keys) instead of growing
        // one rehash at a time.
        fields.reserveCapacity(8)
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a key in quotes") }
            let keyOffset = position
            let key = try string()
            guard fields[key] == nil else { throw JSONSyntaxError(message: "duplicate key \"\(key)\"", offset: keyOffset) }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
            position += 1
            skipWhitespace()
            fields[key] = try value()
            skipWhitespace()
            switch current {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "}")?:
                position += 1
                depth -= 1
                return .object(fields)
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try nest()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "]")?:
                position += 1
                depth -= 1
                return .array(elements)
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> Double {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, (0x30...0x39).contains(first) else { throw error("a number needs a digit") }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            position += 1
            guard try digitsFollow() else { throw error("a fraction needs a digit") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard try digitsFollow() else { throw error("an exponent needs a digit") }
        }
        // A whole number of up to 15 digits is exact as a Double: no text and no strtod for it.
        let digitsStart = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
        if position - digitsStart <= 15, bytes[digitsStart..<position].allSatisfy({ (0x30...0x39).contains($0) }) {
            let whole = bytes[digitsStart..<position].reduce(0) { $0 * 10 + Int64($1 - 0x30) }
            return digitsStart > start ? -Double(whole) : Double(whole)
        }
        guard let value = Double(text(start..<position)), value.isFinite else {
            throw JSONSyntaxError(message: "number out of range", offset: start)
        }
        return value
    }

    private mutating func skipDigits() {
        while let byte = current, (0x30...0x39).contains(byte) { position += 1 }
    }

    private mutating func digitsFollow() throws(JSONSyntaxError) -> Bool {
        let start = position
        skipDigits()
        return position > start
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        position += 1  // the opening quote
        // Most strings are plain ASCII without escapes: made from their bytes in one step.
        let start = position
        while position < bytes.count, bytes[position] >= 0x20, bytes[position] < 0x80, bytes[position] != UInt8(ascii: "\""),
            bytes[position] != UInt8(ascii: "\\")
        {
            position += 1
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
            position += 1
            return text(start..<(position - 1))
        }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes[start..<position].lazy.map { Unicode.Scalar($0) })
        while true {
            guard let byte = current else { throw error("a string is not closed") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                position += 1
                scalars.append(try escape())
            case 0x00..<0x20:
                throw error("control character in a string (escape it)")
            case 0x00..<0x80:
                scalars.append(Unicode.Scalar(byte))
                position += 1
            default:
                scalars.append(try utf8Scalar())
            }
        }
    }

    private mutating func escape() throws(JSONSyntaxError) -> Unicode.Scalar {
        guard let byte = current else { throw error("a string is not closed") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hexUnit()
            switch unit {
            case 0xD800..<0xDC00:
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate in a \\u escape")
                }
                position += 2
                let low = try hexUnit()
                guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in a \\u escape") }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            case 0xDC00..<0xE000:
                throw error("unpaired surrogate in a \\u escape")
            default:
                return Unicode.Scalar(unit)!
            }
        default:
            throw error("unknown escape in a string")
        }
    }

    private mutating func hexUnit() throws(JSONSyntaxError) -> UInt32 {
        var unit: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error("a \\u escape needs four hex digits") }
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw error("a \\u escape needs four hex digits")
            }
            unit = unit << 4 | digit
            position += 1
        }
        return unit
    }

    /// One multi-byte UTF-8 sequence, validated (no overlongs, no surrogates, nothing past U+10FFFF).
    private mutating func utf8Scalar() throws(JSONSyntaxError) -> Unicode.Scalar {
        let lead = bytes[position]
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: (length, value) = (2, UInt32(lead & 0x1F))
        case 0xE0...0xEF: (length, value) = (3, UInt32(lead & 0x0F))
        case 0xF0...0xF4: (length, value) = (4, UInt32(lead & 0x07))
        default: throw error("invalid UTF-8")
        }
        guard position + length <= bytes.count else { throw error("invalid UTF-8") }
        for offset in 1..<length {
            let byte = bytes[position + offset]
            guard byte & 0xC0 == 0x80 else { throw error("invalid UTF-8") }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        let smallest: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= smallest, let scalar = Unicode.Scalar(value) else { throw error("invalid UTF-8") }
        position += length
        return scalar
    }
}

/// Why a body is not acceptable JSON, and where (a byte offset).
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int

    public var description: String { "\(message) (at byte \(offset))" }
}

extension [JSONValue?] {
    fileprivate mutating func keep(_ value: JSONValue, at index: Int, if kept: Bool) {
        if kept { self[index] = value }
    }
}

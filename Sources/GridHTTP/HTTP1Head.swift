import NIOCore
import NIOHTTP1

/// The head of an HTTP/1.x message (start line, header fields, blank line), found and read
/// from raw bytes: what `HTTP1AnswerReader` and `HTTP1RequestReader` share. Strict where
/// RFC 9112 says a recipient must refuse (whitespace before a colon, names that are not
/// tokens), and lines end with CRLF only, as NIO's decoder reads them.
enum HTTP1Head {
    /// The largest head read.
    static let limit = 64 * 1024

    /// Bytes that are not a head, and why.
    struct Malformed: Error, Equatable {
        var reason: String
    }

    /// Where a head ends, as far as the bytes so far tell.
    enum End: Equatable {
        /// Its length up to the blank line, and up to just after it.
        case found(head: Int, withBlankLine: Int)
        /// No blank line yet; the first `scanned` bytes need not be searched again, so a peer
        /// sending a byte at a time costs no more than one sending all.
        case incomplete(scanned: Int)
        /// A line ended with LF alone: smartgrid reads CRLF only, as NIO's decoder (llhttp) does.
        case bareLineFeed
    }

    /// Where the head at the start of `bytes` ends (at the first empty line, which may be the
    /// first line), searching from `scanned` on.
    static func end(in bytes: UnsafeRawBufferPointer, scanned: Int = 0) -> End {
        var index = max(0, scanned - 3)
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                guard index > 0, bytes[index - 1] == UInt8(ascii: "\r") else { return .bareLineFeed }
                if index == 1 || (index >= 3 && bytes[index - 2] == UInt8(ascii: "\n")) {
                    return .found(head: index - 1, withBlankLine: index + 1)
                }
            }
            index += 1
        }
        return .incomplete(scanned: bytes.count)
    }

    /// Splits a head (without its blank line) into its start line and its header fields.
    static func read(_ head: UnsafeRawBufferPointer) throws(Malformed) -> (startLine: UnsafeRawBufferPointer, fields: HTTPHeaders) {
        var lines = Lines(head)
        guard let startLine = lines.next(), !startLine.isEmpty else { throw Malformed(reason: "an empty start line") }
        // Built as pairs and handed over whole: `HTTPHeaders.add` checks each name again, and
        // the array would grow step by step.
        var fields: [(String, String)] = []
        fields.reserveCapacity(8)
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw Malformed(reason: "a header field without a colon") }
            guard colon > 0, line[..<colon].allSatisfy(isTokenByte) else {
                throw Malformed(reason: "a header field name that is not a token")
            }
            var valueStart = colon + 1
            var valueEnd = line.count
            while valueStart < valueEnd, isSpace(line[valueStart]) { valueStart += 1 }
            while valueEnd > valueStart, isSpace(line[valueEnd - 1]) { valueEnd -= 1 }
            // RFC 9110 section 5.5: no control characters but HTAB in a value.
            guard line[valueStart..<valueEnd].allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
                throw Malformed(reason: "a control character in a header field value")
            }
            fields.append(
                (
                    String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self),
                    String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self)
                ))
        }
        return (startLine, HTTPHeaders(fields))
    }

    /// The lines of a head, each without its line end.
    struct Lines: IteratorProtocol {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        mutating func next() -> UnsafeRawBufferPointer? {
            guard position < bytes.count else { return nil }
            let start = position
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            position = end + 1
            let lineEnd = end > start && bytes[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
            return UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd])
        }
    }

    /// Whether the values of a field, comma-separated, hold `token` (lowercase; matched in any case).
    static func fields(_ fields: HTTPHeaders, _ name: String, contain token: String) -> Bool {
        fields.contains { field in
            sameName(field.name, name)
                && field.value.utf8.split(separator: UInt8(ascii: ",")).contains { part in
                    let trimmed = part.drop(while: isSpace).reversed().drop(while: isSpace)
                    return trimmed.reversed().elementsEqual(token.utf8) { ($0 | 0x20) == $1 }
                }
        }
    }

    /// The single length of a body from its `Content-Length` fields; nil when there is none;
    /// throws when it is not a number, or is repeated (with `repeats`, when repeats disagree).
    static func contentLength(_ fields: HTTPHeaders, repeats: Bool = true) throws(Malformed) -> Int? {
        var length: Int?
        for field in fields where sameName(field.name, "content-length") {
            let value = field.value.utf8
            guard !value.isEmpty, value.count <= 18, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw Malformed(reason: "an invalid Content-Length")
            }
            let this = value.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard length == nil || (repeats && length == this) else { throw Malformed(reason: "an invalid Content-Length") }
            length = this
        }
        return length
    }

    /// Field names compared without case; `lowercase` is in lowercase.
    static func sameName(_ name: String, _ lowercase: String) -> Bool {
        name.utf8.count == lowercase.utf8.count && name.utf8.elementsEqual(lowercase.utf8) { ($0 | 0x20) == $1 }
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// RFC 9110 section 5.6.2's tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }
}

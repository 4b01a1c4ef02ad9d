import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        // Built as pairs and handed over whole: `HTTPHeaders.add` checks each name again, and
        // the array would grow step by step.
        var fields: [(String, String)] = []
        fields.reserveCapacity(8)
        let startLine = try forEachField(head) { name, value in
            fields.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return (startLine, HTTPHeaders(fields))
    }

    /// The fields of a head that was read once already (so it is well formed).
    static func fields(ofRead head: ByteBuffer) -> HTTPHeaders {
        head.withUnsafeReadableBytes { bytes in
            do throws(Malformed) {
                return try read(bytes).fields
            } catch {
                return [:]
            }
        }
    }

    /// Checks a head's field lines and gives each field's name and value (without the spaces
    /// around it) as raw bytes, in order; returns the start line. For readers that need a few
    /// fields without making strings of all of them.
    static func forEachField(
        _ head: UnsafeRawBufferPointer, _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void
    ) throws(Malformed) -> UnsafeRawBufferPointer {
        var lines = Lines(head)
        guard let startLine = lines.next(), !startLine.isEmpty else { throw Malformed(reason: "an empty start line") }
        while let line = lines.next() {
            guard let (name, value) = split(field: line) else { throw Malformed(reason: "a header field without a colon") }
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
                throw Malformed(reason: "a header field name that is not a token")
            }
            // RFC 9110 section 5.5: no control characters but HTAB in a value.
            guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
                throw Malformed(reason: "a control character in a header field value")
            }
            body(name, value)
        }
        return startLine
    }

    /// A field line's name, and its value without the spaces around it; nil without a colon.
    static func split(field line: UnsafeRawBufferPointer) -> (name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, isSpace(line[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, isSpace(line[valueEnd - 1]) { valueEnd -= 1 }
        return (UnsafeRawBufferPointer(rebasing: line[..<colon]), UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd]))
    }

    /// The lines of a head, each without its line end.
    struct Lines: IteratorProtocol {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        mutating func next() -> UnsafeRawBufferPointer? {
            guard position < bytes.count, let base = bytes.baseAddress else { return nil }
            let start = position
            // memchr: the byte-at-a-time search showed in the profile.
            let end =
                memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start).map { UnsafeRawPointer($0) - base } ?? bytes.count
            position = end + 1
            let lineEnd = end > start && bytes[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
            return UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd])
        }
    }

    /// What a head's fields say about framing and the connection, read from raw fields
    /// (`forEachField`) without making strings of them: what both readers decide by.
    struct FramingFields {
        var count = 0
        var connectionClose = false
        var connectionKeepAlive = false
        /// Transfer codings, in order, across every `Transfer-Encoding` field: whether there is
        /// any, and whether the last is chunked.
        var hasCodings = false
        var lastCodingIsChunked = false
        /// A `Transfer-Encoding` field, even an empty one.
        var hasTransferEncoding = false
        var hasUpgrade = false
        var hasExpect = false
        var hasContentLength = false
        var contentLength: Int?
        /// A `Content-Length` that is not a number, or repeated (when `repeatsAgreeing` is false)
        /// or repeated with another value.
        var contentLengthIsInvalid = false
        let repeatsAgreeing: Bool
        /// The first `Content-Type` value and how many such fields there are, when asked for
        /// (`readsContentType`): a request's is read in the same pass, not searched for again.
        var contentType: (first: String?, count: Int) = (nil, 0)
        let readsContentType: Bool

        private static let json = "application/json"

        init(contentLengthRepeats repeatsAgreeing: Bool, readsContentType: Bool = false) {
            self.repeatsAgreeing = repeatsAgreeing
            self.readsContentType = readsContentType
        }

        /// Whether the connection stays open after this message (RFC 9112 section 9.3), for
        /// HTTP/1.`minorVersion`.
        func keepAlive(minorVersion: Int) -> Bool {
            minorVersion == 1 ? !connectionClose : connectionKeepAlive
        }

        mutating func read(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
            count += 1
            if sameName(bytes: name, "connection") {
                connectionClose = connectionClose || HTTP1Head.value(value, contains: "close")
                connectionKeepAlive = connectionKeepAlive || HTTP1Head.value(value, contains: "keep-alive")
            } else if sameName(bytes: name, "transfer-encoding") {
                hasTransferEncoding = true
                for part in value.split(separator: UInt8(ascii: ",")) {
                    let coding = part.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
                    hasCodings = true
                    lastCodingIsChunked = coding.elementsEqual("chunked".utf8) { ($0 | 0x20) == $1 }
                }
            } else if sameName(bytes: name, "content-length") {
                hasContentLength = true
                do throws(Malformed) {
                    try addContentLength(value, to: &contentLength, repeats: repeatsAgreeing)
                } catch {
                    contentLengthIsInvalid = true
                }
            } else if sameName(bytes: name, "upgrade") {
                hasUpgrade = true
            } else if sameName(bytes: name, "expect") {
                hasExpect = true
            } else if readsContentType, sameName(bytes: name, "content-type") {
                if contentType.count == 0 {
                    // The usual value as a constant: made from the bytes it is one allocation per request.
                    contentType.first =
                        value.elementsEqual(Self.json.utf8) ? Self.json : String(decoding: value, as: UTF8.self)
                }
                contentType.count += 1
            }
        }
    }

    /// The first value of the fields called `name` (any case) in a head that was read once
    /// already, and how many there are.
    static func field(_ name: String, inRead head: ByteBuffer) -> (first: String?, count: Int) {
        var lowercase = name.lowercased()
        return lowercase.withUTF8 { lowercase in
            head.withUnsafeReadableBytes { bytes in
                var first: String?
                var count = 0
                // Checked when it was read: only names and values are looked for here.
                var lines = Lines(bytes)
                _ = lines.next()
                while let line = lines.next() {
                    guard let (fieldName, value) = split(field: line), sameName(bytes: fieldName, UnsafeRawBufferPointer(lowercase)) else {
                        continue
                    }
                    if count == 0 { first = String(decoding: value, as: UTF8.self) }
                    count += 1
                }
                return (first, count)
            }
        }
    }

    /// Whether the values of a field, comma-separated, hold `token` (lowercase; matched in any case).
    static func fields(_ fields: HTTPHeaders, _ name: String, contain token: String) -> Bool {
        fields.contains { field in sameName(field.name.utf8, name) && value(field.value.utf8, contains: token) }
    }

    /// Whether a comma-separated value holds `token` (lowercase; matched in any case).
    static func value(_ value: some Collection<UInt8>, contains token: String) -> Bool {
        value.split(separator: UInt8(ascii: ",")).contains { part in
            let trimmed = part.drop(while: isSpace).reversed().drop(while: isSpace)
            return trimmed.reversed().elementsEqual(token.utf8) { ($0 | 0x20) == $1 }
        }
    }

    /// Adds one `Content-Length` value to the length read so far; throws when it is not a
    /// number, or is repeated (with `repeats`, when repeats disagree).
    static func addContentLength(_ value: some Collection<UInt8>, to length: inout Int?, repeats: Bool = true) throws(Malformed) {
        guard !value.isEmpty, value.count <= 18, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw Malformed(reason: "an invalid Content-Length")
        }
        let this = value.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        guard length == nil || (repeats && length == this) else { throw Malformed(reason: "an invalid Content-Length") }
        length = this
    }

    /// Field names compared without case; `lowercase` is in lowercase.
    static func sameName(_ name: some Collection<UInt8>, _ lowercase: String) -> Bool {
        name.count == lowercase.utf8.count && name.elementsEqual(lowercase.utf8) { ($0 | 0x20) == $1 }
    }

    /// The same, byte by byte: every field of every request and answer is compared with a few
    /// names, and going through `String.UTF8View` for each showed in the balancer's profile.
    static func sameName(bytes name: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        sameName(bytes: name, UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount))
    }

    static func sameName(bytes name: UnsafeRawBufferPointer, _ lowercase: UnsafeRawBufferPointer) -> Bool {
        guard name.count == lowercase.count else { return false }
        for index in 0..<name.count where name[index] | 0x20 != lowercase[index] { return false }
        return true
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

import NIOCore
import NIOHTTP1

/// Reads one HTTP/1.x answer from the bytes of a keep-alive link as they arrive: status line,
/// header fields, and a body framed as RFC 9112 section 6.3 says (none for HEAD, 1xx, 204 and
/// 304; chunked; `Content-Length`; or up to the end of the connection). Interim 1xx answers
/// are passed over. Lines end with CRLF, as NIO's decoder requires too. A value with no I/O: `ExchangeHandler` feeds it and acts on what it returns.
///
/// It replaces NIO's general HTTP/1 decoder on the client side of the hot path, where the
/// profile put that decoder's parser callbacks and per-part messages at a tenth of the
/// balancer's CPU; it reads only what an answer to one request needs.
struct HTTP1AnswerReader {
    struct Answer: Equatable {
        var status: Int
        /// The head's bytes: its fields are made into strings only when asked for (`headers`).
        var head: ByteBuffer
        var body: ByteBuffer
        /// Whether the link may carry another request: the server said so, the body had a
        /// length, and nothing came after the answer.
        var keepAlive: Bool

        var headers: HTTPHeaders { HTTP1Head.fields(ofRead: head) }
    }

    enum Failure: Error, Equatable {
        /// Bytes that are not an HTTP/1.x answer.
        case malformed(String)
        /// The body passed `bodyLimit`.
        case bodyTooLarge(limit: Int)
        /// The connection ended before the answer was whole.
        case endedEarly
    }

    private enum Phase {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case done
    }

    let bodyLimit: Int
    /// The request was a HEAD: its answer has no body whatever its header fields say.
    let requestWasHead: Bool
    private var phase = Phase.head
    private var unread = ByteBuffer()
    /// How far `unread` was searched for the end of the head being read.
    private var scanned = 0
    private var status = 0
    private var head = ByteBuffer()
    private var body = ByteBuffer()
    private var serverKeepsAlive = false

    init(bodyLimit: Int, requestWasHead: Bool = false) {
        self.bodyLimit = bodyLimit
        self.requestWasHead = requestWasHead
    }

    /// Takes the next bytes of the link; returns the answer once it is whole.
    mutating func read(_ bytes: inout ByteBuffer) throws(Failure) -> Answer? {
        if unread.readableBytes == 0 {
            swap(&unread, &bytes)
        } else {
            unread.writeBuffer(&bytes)
        }
        while true {
            switch phase {
            case .head:
                guard let head = try takeHead() else { return nil }
                try readHead(head)
            case .fixedBody(let remaining):
                guard let left = try takeBody(upTo: remaining) else { return nil }
                phase = left == 0 ? .done : .fixedBody(remaining: left)
            case .chunkSize:
                guard let line = try takeLine(upTo: 1024) else { return nil }
                let size = try Self.chunkSize(line)
                phase = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard let left = try takeBody(upTo: remaining) else { return nil }
                phase = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
            case .chunkDataEnd:
                guard let line = try takeLine(upTo: 2) else { return nil }
                guard line.readableBytes == 0 else { throw .malformed("a chunk is longer than its size") }
                phase = .chunkSize
            case .trailers:
                // Trailer fields are read past, not kept: nothing here uses them.
                guard try takeHead() != nil else { return nil }
                phase = .done
            case .untilClose:
                guard try takeBody(upTo: unread.readableBytes) != nil else { return nil }
            case .done:
                // Bytes after the answer were never asked for: the link is out of step.
                return Answer(status: status, head: head, body: body, keepAlive: serverKeepsAlive && unread.readableBytes == 0)
            }
        }
    }

    /// The link ended: the answer, when its body ran to the end of the connection.
    mutating func endOfInput() throws(Failure) -> Answer {
        guard case .untilClose = phase else { throw .endedEarly }
        phase = .done
        return Answer(status: status, head: head, body: body, keepAlive: false)
    }

    /// Up to `remaining` bytes of body from what has arrived; how many are still to come, or nil
    /// when nothing has arrived.
    private mutating func takeBody(upTo remaining: Int) throws(Failure) -> Int? {
        let count = min(remaining, unread.readableBytes)
        guard count > 0 else { return nil }
        guard body.readableBytes + count <= bodyLimit else { throw .bodyTooLarge(limit: bodyLimit) }
        var part = unread.readSlice(length: count)!
        if body.readableBytes == 0 {
            body = part
        } else {
            body.writeBuffer(&part)
        }
        return remaining - count
    }

    /// The next line without its CRLF; nil until it has arrived.
    private mutating func takeLine(upTo limit: Int) throws(Failure) -> ByteBuffer? {
        guard let end = unread.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if unread.readableBytes > limit { throw .malformed("a line longer than \(limit) bytes") }
            return nil
        }
        guard end > unread.readerIndex, unread.getInteger(at: end - 1, as: UInt8.self) == UInt8(ascii: "\r") else {
            throw .malformed("a line that ends with LF alone")
        }
        guard end - 1 - unread.readerIndex <= limit else { throw .malformed("a line longer than \(limit) bytes") }
        let line = unread.getSlice(at: unread.readerIndex, length: end - 1 - unread.readerIndex)!
        unread.moveReaderIndex(to: end + 1)
        return line
    }

    /// Everything up to the next empty line, which is passed over; nil until it has arrived.
    private mutating func takeHead() throws(Failure) -> ByteBuffer? {
        switch unread.withUnsafeReadableBytes({ HTTP1Head.end(in: $0, scanned: scanned) }) {
        case .incomplete(let searched):
            if unread.readableBytes > HTTP1Head.limit { throw .malformed("a head longer than \(HTTP1Head.limit) bytes") }
            scanned = searched
            return nil
        case .bareLineFeed:
            throw .malformed("a line that ends with LF alone")
        case .found(let length, let withBlankLine):
            guard length <= HTTP1Head.limit else { throw .malformed("a head longer than \(HTTP1Head.limit) bytes") }
            scanned = 0
            let head = unread.getSlice(at: unread.readerIndex, length: length)!
            unread.moveReaderIndex(forwardBy: withBlankLine)
            return head
        }
    }

    private mutating func readHead(_ head: ByteBuffer) throws(Failure) {
        let (version, code, framing) = try head.withUnsafeReadableBytes { bytes throws(Failure) in
            var framing = HTTP1Head.FramingFields(contentLengthRepeats: true)
            do throws(HTTP1Head.Malformed) {
                let statusLine = try HTTP1Head.forEachField(bytes) { framing.read($0, $1) }
                let (version, code) = try Self.statusLine(statusLine)
                return (version, code, framing)
            } catch {
                throw Failure.malformed(error.reason)
            }
        }
        if (100..<200).contains(code) && code != 101 {
            // An interim answer (100 Continue, 103 Early Hints): the real one follows.
            return
        }
        status = code
        self.head = head
        serverKeepsAlive = framing.keepAlive(minorVersion: version)
        phase = try bodyFraming(framing, code: code)
    }

    private mutating func bodyFraming(_ framing: HTTP1Head.FramingFields, code: Int) throws(Failure) -> Phase {
        if requestWasHead || code == 204 || code == 304 || code == 101 {
            if code == 101 { serverKeepsAlive = false }
            return .done
        }
        if framing.hasCodings {
            // With a transfer coding any Content-Length is ignored, and the link is not reused
            // after an answer that carried both (RFC 9112 section 6.3, point 3).
            if framing.hasContentLength { serverKeepsAlive = false }
            guard framing.lastCodingIsChunked else {
                serverKeepsAlive = false
                return .untilClose
            }
            return .chunkSize
        }
        guard !framing.contentLengthIsInvalid else { throw .malformed("an invalid Content-Length") }
        guard let length = framing.contentLength else {
            serverKeepsAlive = false
            return .untilClose
        }
        guard length <= bodyLimit else { throw .bodyTooLarge(limit: bodyLimit) }
        return length == 0 ? .done : .fixedBody(remaining: length)
    }

    /// HTTP/1.x's minor version and the status code, from `HTTP/1.1 201 Created`.
    private static func statusLine(_ line: UnsafeRawBufferPointer) throws(HTTP1Head.Malformed) -> (version: Int, code: Int) {
        let at = { (offset: Int) in line[offset] }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard line.count >= 12, line.starts(with: "HTTP/1.".utf8), at(7) == UInt8(ascii: "0") || at(7) == UInt8(ascii: "1"),
            at(8) == UInt8(ascii: " "), isDigit(at(9)), isDigit(at(10)), isDigit(at(11)), line.count == 12 || at(12) == UInt8(ascii: " ")
        else { throw HTTP1Head.Malformed(reason: "a status line that is not HTTP/1.x") }
        let code = (9...11).reduce(0) { $0 * 10 + Int(at($1) - UInt8(ascii: "0")) }
        guard code >= 100 else { throw HTTP1Head.Malformed(reason: "a status code below 100") }
        return (Int(at(7) - UInt8(ascii: "0")), code)
    }

    /// A chunk's size from its line, `1a;name=value` (extensions are passed over).
    private static func chunkSize(_ line: ByteBuffer) throws(Failure) -> Int {
        var size = 0
        var digits = 0
        for byte in line.readableBytesView {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
            case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                guard digits > 0 else { throw .malformed("a chunk without a size") }
                return size
            default: throw .malformed("a chunk size that is not hexadecimal")
            }
            digits += 1
            guard digits <= 15 else { throw .malformed("a chunk size too large") }
            size = size * 16 + value
        }
        guard digits > 0 else { throw .malformed("a chunk without a size") }
        return size
    }
}

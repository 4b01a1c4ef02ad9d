import NIOCore
import NIOHTTP1

/// The next request at the start of a connection's unread bytes, read as far as `FastLane` needs:
/// its request line, header fields and a body of declared length. It is as strict as NIO's
/// decoder (llhttp) where that matters for framing: CRLF line ends only, one `Content-Length`,
/// methods llhttp knows. What it does not frame that simply (chunked or upgrading requests,
/// `Expect`, bodies past the limit, anything malformed) it leaves to that decoder, which answers
/// it as it always did.
enum HTTP1RequestReader {
    /// A request's head, read once; its body follows it.
    struct Head {
        var method: HTTPMethod
        var target: String
        var version: HTTPVersion
        /// The start line and fields as they came: made into strings only when asked for
        /// (`headers`, `field`), since the lane reads one or two of them.
        var fieldBytes: ByteBuffer
        /// Whether the connection stays open after the answer (RFC 9112 section 9.3).
        var keepAlive: Bool
        /// Bytes of the head, blank line included.
        var length: Int
        var bodyLength: Int
        /// The first `Content-Type` value and how many such fields there are, read with the head.
        var contentType: (first: String?, count: Int)

        var headers: HTTPHeaders { HTTP1Head.fields(ofRead: fieldBytes) }

        /// The first value of the fields called `name` (any case), and how many there are.
        func field(_ name: String) -> (first: String?, count: Int) {
            HTTP1Head.field(name, inRead: fieldBytes)
        }
    }

    /// A request read whole: its head, and its body (a slice of the connection's bytes).
    struct Request {
        var head: Head
        var body: ByteBuffer

        /// How many bytes it took, head and body.
        var length: Int { head.length + head.bodyLength }
    }

    enum Next {
        /// The head has not all arrived; the first `scanned` bytes hold no end of it, so the next
        /// look starts there (a client sending a byte at a time costs no more than one sending all).
        case incomplete(scanned: Int)
        case head(Head)
        /// Only the full decoder may read on from here.
        case unframed
    }

    /// The most header fields read (NIO's decoder takes up to 100 in Hummingbird's configuration
    /// and refuses more; our own clients send a handful).
    static let fieldLimit = 64

    /// The head at the start of `bytes`, looking for its end from `scanned` on.
    static func head(in buffer: ByteBuffer, scanned: Int = 0, bodyLimit: Int) -> Next {
        buffer.withUnsafeReadableBytes { bytes -> Next in
            // A bare LF is for the decoder to judge.
            let end: Int
            switch HTTP1Head.end(in: bytes, scanned: scanned) {
            case .found(_, let withBlankLine): end = withBlankLine
            case .incomplete(let searched): return bytes.count > HTTP1Head.limit ? .unframed : .incomplete(scanned: searched)
            case .bareLineFeed: return .unframed
            }
            guard end <= HTTP1Head.limit else { return .unframed }
            let head = UnsafeRawBufferPointer(rebasing: bytes[..<(end - 2)])
            var framing = HTTP1Head.FramingFields(contentLengthRepeats: false, readsContentType: true)
            guard let startLine = try? HTTP1Head.forEachField(head, { framing.read($0, $1) }),
                framing.count <= fieldLimit,
                let (method, target, version) = requestLine(startLine),
                method != .CONNECT, !framing.hasTransferEncoding, !framing.hasUpgrade, !framing.hasExpect, !framing.contentLengthIsInvalid
            else { return .unframed }
            // No length and no transfer coding: no body (RFC 9112 section 6.3, point 6).
            let bodyLength = framing.contentLength ?? 0
            guard bodyLength <= bodyLimit else { return .unframed }
            return .head(
                Head(
                    method: method, target: target, version: version,
                    fieldBytes: buffer.getSlice(at: buffer.readerIndex, length: end - 2)!,
                    keepAlive: framing.keepAlive(minorVersion: version == .http1_1 ? 1 : 0), length: end, bodyLength: bodyLength,
                    contentType: framing.contentType))
        }
    }

    /// `POST /route HTTP/1.1`: a method llhttp knows, one space, a target without spaces or
    /// controls, one space, HTTP/1.0 or 1.1.
    private static func requestLine(_ line: UnsafeRawBufferPointer) -> (HTTPMethod, String, HTTPVersion)? {
        guard let methodEnd = line.firstIndex(of: UInt8(ascii: " ")), methodEnd > 0,
            line[..<methodEnd].allSatisfy(HTTP1Head.isTokenByte)
        else { return nil }
        let targetStart = methodEnd + 1
        var targetEnd = targetStart
        while targetEnd < line.count, line[targetEnd] > 0x20, line[targetEnd] != 0x7F { targetEnd += 1 }
        guard targetEnd > targetStart, line.count == targetEnd + 9, line[targetEnd] == UInt8(ascii: " "),
            UnsafeRawBufferPointer(rebasing: line[(targetEnd + 1)..<(targetEnd + 8)]).elementsEqual("HTTP/1.".utf8)
        else { return nil }
        let version: HTTPVersion
        switch line[targetEnd + 8] {
        case UInt8(ascii: "1"): version = .http1_1
        case UInt8(ascii: "0"): version = .http1_0
        default: return nil
        }
        let method = HTTPMethod(rawValue: String(decoding: UnsafeRawBufferPointer(rebasing: line[..<methodEnd]), as: UTF8.self))
        // Methods NIO does not name are ones llhttp refuses (or only some versions know).
        if case .RAW = method { return nil }
        let target = String(decoding: UnsafeRawBufferPointer(rebasing: line[targetStart..<targetEnd]), as: UTF8.self)
        return (method, target, version)
    }
}

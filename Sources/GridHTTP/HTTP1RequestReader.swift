import NIOCore
import NIOHTTP1

/// The next request at the start of a connection's unread bytes, read as far as `FastLane` needs:
/// its request line, header fields and a body of declared length. What it does not frame that
/// simply (chunked or upgrading requests, `Expect`, bodies past the limit, anything malformed)
/// it leaves to NIO's full decoder, which answers it as it always did.
enum HTTP1RequestReader {
    /// A request read whole.
    struct Request {
        var method: HTTPMethod
        var target: String
        var version: HTTPVersion
        var headers: HTTPHeaders
        var body: ByteBuffer
        /// Whether the connection stays open after the answer (RFC 9112 section 9.3).
        var keepAlive: Bool
        /// How many bytes it took, head and body.
        var length: Int
    }

    enum Next {
        /// Its bytes have not all arrived.
        case incomplete
        case request(Request)
        /// Only the full decoder may read on from here.
        case unframed
    }

    static func next(in buffer: ByteBuffer, bodyLimit: Int) -> Next {
        var bodyStart = 0
        let next = buffer.withUnsafeReadableBytes { bytes -> Next in
            guard let end = HTTP1Head.end(in: bytes) else {
                return bytes.count > HTTP1Head.limit ? .unframed : .incomplete
            }
            guard end.head <= HTTP1Head.limit,
                let (startLine, fields) = try? HTTP1Head.read(UnsafeRawBufferPointer(rebasing: bytes[..<end.head])),
                let (method, target, version) = requestLine(startLine),
                method != .CONNECT, !fields.contains(name: "Transfer-Encoding"), !fields.contains(name: "Upgrade"),
                !fields.contains(name: "Expect"),
                let declared = try? HTTP1Head.contentLength(fields) as Int??
            else { return .unframed }
            // No length and no transfer coding: no body (RFC 9112 section 6.3, point 6).
            let length = declared ?? 0
            guard length <= bodyLimit else { return .unframed }
            guard bytes.count - end.withBlankLine >= length else { return .incomplete }
            bodyStart = end.withBlankLine
            let keepAlive =
                version == .http1_1
                ? !HTTP1Head.fields(fields, "connection", contain: "close") : HTTP1Head.fields(fields, "connection", contain: "keep-alive")
            return .request(
                Request(
                    method: method, target: target, version: version, headers: fields, body: ByteBuffer(),
                    keepAlive: keepAlive, length: end.withBlankLine + length))
        }
        guard case .request(var request) = next else { return next }
        // The body is a slice of the connection's bytes: no copy.
        request.body = buffer.getSlice(at: buffer.readerIndex + bodyStart, length: request.length - bodyStart)!
        return .request(request)
    }

    /// `POST /route HTTP/1.1`: a token, one space, a target without spaces or controls, one space, HTTP/1.0 or 1.1.
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
        let target = String(decoding: UnsafeRawBufferPointer(rebasing: line[targetStart..<targetEnd]), as: UTF8.self)
        return (method, target, version)
    }
}

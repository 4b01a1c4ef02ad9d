import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// A whole answer as it goes on the wire: status, headers, body. What a route computes once,
/// whichever lane (the router's or `FastLane`'s) writes it.
public struct WireAnswer: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields {
        didSet { isPlainJSON = false }
    }
    public var body: ByteBuffer
    /// The fields are `Content-Type: application/json` alone, so the head's start can be copied
    /// whole (`http1Bytes`).
    private var isPlainJSON = false

    public init(status: HTTPResponse.Status, contentType: String, body: ByteBuffer) {
        // The common JSON answer shares one set of fields (copied, not built, per answer).
        self.init(status: status, headers: contentType == "application/json" ? Self.json : [.contentType: contentType], body: body)
        isPlainJSON = contentType == "application/json"
    }

    private static let json: HTTPFields = [.contentType: "application/json"]

    public init(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The problem as `application/problem+json`, with `Retry-After` when it says when to retry.
    public init(_ problem: Problem) {
        let body = (try? WireJSON.encoder.encode(problem)) ?? Data(#"{"title":"error"}"#.utf8)
        self.init(status: problem.status, contentType: Problem.mediaType, body: ByteBuffer(bytes: body))
        if let retryAfter = problem.retryAfterSeconds { headers[.retryAfter] = String(retryAfter) }
    }

    public var response: Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}

extension WireAnswer {
    /// The answer as HTTP/1 bytes: status line, its header fields, `Content-Length`, `Date`, and
    /// `Connection` when the connection closes after it (or stays open for HTTP/1.0), then the body.
    func http1Bytes(version: HTTPVersion, closing: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        var bytes = allocator.buffer(capacity: 160 + headers.count * 48 + body.readableBytes)
        writeHTTP1(into: &bytes, version: version, closing: closing)
        return bytes
    }

    /// `http1Bytes`, written at the end of `bytes` (a buffer a connection reuses for each answer).
    func writeHTTP1(into bytes: inout ByteBuffer, version: HTTPVersion, closing: Bool) {
        bytes.reserveCapacity(minimumWritableBytes: 160 + headers.count * 48 + body.readableBytes)
        if isPlainJSON, version == .http1_1, status == .created, status.reasonPhrase == "Created" {
            // The balancer's every booking: its start line and fields, made once.
            bytes.writeBytes(Self.createdJSONHead)
        } else {
            bytes.writeStaticString(version == .http1_0 ? "HTTP/1.0 " : "HTTP/1.1 ")
            bytes.writeString(String(status.code))
            bytes.writeStaticString(" ")
            bytes.writeString(status.reasonPhrase)
            bytes.writeStaticString("\r\n")
            for field in headers {
                bytes.writeString(field.name.rawName)
                bytes.writeStaticString(": ")
                bytes.writeString(field.value)
                bytes.writeStaticString("\r\n")
            }
        }
        bytes.writeStaticString("Content-Length: ")
        bytes.writeDecimal(body.readableBytes)
        bytes.writeStaticString("\r\nDate: ")
        bytes.writeString(HTTPDate.now())
        if closing {
            bytes.writeStaticString("\r\nConnection: close")
        } else if version == .http1_0 {
            bytes.writeStaticString("\r\nConnection: keep-alive")
        }
        bytes.writeStaticString("\r\n\r\n")
        var body = body
        bytes.writeBuffer(&body)
    }

    private static let createdJSONHead = Array("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n".utf8)
}

extension ByteBuffer {
    /// Writes `value` (not negative) in decimal digits, without making a `String` of it.
    mutating func writeDecimal(_ value: Int) {
        precondition(value >= 0, "a count is not negative")
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for Int.max's 19 digits
        withUnsafeMutableBytes(of: &digits) { digits in
            var rest = value
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            writeBytes(UnsafeRawBufferPointer(rebasing: digits[start...]))
        }
    }
}

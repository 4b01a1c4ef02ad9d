import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// A whole answer as it goes on the wire: status, headers, body. What a route computes once,
/// whichever lane (the router's or `FastLane`'s) writes it.
public struct WireAnswer: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: ByteBuffer

    public init(status: HTTPResponse.Status, contentType: String, body: ByteBuffer) {
        // The common JSON answer shares one set of fields (copied, not built, per answer).
        self.init(status: status, headers: contentType == "application/json" ? Self.json : [.contentType: contentType], body: body)
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
        bytes.writeStaticString("Content-Length: ")
        bytes.writeString(String(body.readableBytes))
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
        return bytes
    }
}

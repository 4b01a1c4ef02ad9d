import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A whole answer as it goes on the wire: status, headers, body. What a route computes once,
/// whichever lane (the router's or `FastLane`'s) writes it.
public struct WireAnswer: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: ByteBuffer

    public init(status: HTTPResponse.Status, contentType: String, body: ByteBuffer) {
        self.init(status: status, headers: [.contentType: contentType], body: body)
    }

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

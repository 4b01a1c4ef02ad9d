import AsyncHTTPClient
import Foundation
import GridCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// An answer from another smartgrid service.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var body: ByteBuffer
    private var fields: Fields

    /// An answer's header fields: as given, or still the bytes of the head they were read from.
    private enum Fields: Sendable {
        case parsed(HTTPHeaders)
        case head(ByteBuffer)
    }

    /// Read from the head on each use when the answer came off a keep-alive link: most answers'
    /// fields are never asked for (a balancer passes a 201 on by its body alone), and making
    /// strings of them all showed in its profile.
    public var headers: HTTPHeaders {
        get {
            switch fields {
            case .parsed(let headers): headers
            case .head(let head): HTTP1Head.fields(ofRead: head)
            }
        }
        set { fields = .parsed(newValue) }
    }

    public init(status: Int, headers: HTTPHeaders = [:], body: ByteBuffer) {
        self.status = status
        self.fields = .parsed(headers)
        self.body = body
    }

    /// An answer whose head (start line and fields, already checked by `HTTP1AnswerReader`) is
    /// kept as bytes.
    init(status: Int, head: ByteBuffer, body: ByteBuffer) {
        self.status = status
        self.fields = .head(head)
        self.body = body
    }

    public var data: Data { Data(body.readableBytesView) }
}

/// Why another service could not be asked.
public enum UpstreamFailure: Error, Equatable, Sendable {
    /// Nothing listens there: the connection was refused.
    case refused
    /// It did not answer in time; it may or may not have acted.
    case timedOut
    /// Any other transport failure (reset, garbage, closed mid-answer).
    case unreachable(String)
}

/// Calls other smartgrid services with a deadline on every request, and classifies failures.
/// Plain `http://` goes over `keepAlive` links when it is given; `https://` and the rest over
/// async-http-client.
public struct Upstream: Sendable {
    public let client: HTTPClient
    public let keepAlive: KeepAliveClient?
    /// Largest answer read from another service.
    public static let answerLimit = 4 * 1024 * 1024

    public init(client: HTTPClient, keepAlive: KeepAliveClient? = nil) {
        self.client = client
        self.keepAlive = keepAlive
    }

    /// Both clients of a process's `HTTPClientService`.
    public init(_ service: HTTPClientService) {
        self.init(client: service.client, keepAlive: service.keepAlive)
    }

    public func send(
        _ method: HTTPMethod, _ url: String, json body: Data? = nil, headers: HTTPHeaders = [:], timeout: Duration
    ) async throws(UpstreamFailure) -> UpstreamResponse {
        try await send(method, url, jsonBuffer: body.map { ByteBuffer(bytes: $0) }, headers: headers, timeout: timeout)
    }

    /// A JSON body to `addresses.path` at `base`, for requests sent again and again to the same
    /// place (a balancer's orders to a substation, a gateway's to a balancer): over a keep-alive
    /// link to the address split once, or by URL when it is not plain `http://` or this process
    /// has no keep-alive client.
    public nonisolated(nonsending) func send(
        _ method: HTTPMethod, to addresses: SplitAddresses, at base: String, jsonBuffer body: ByteBuffer, timeout: Duration
    ) async throws(UpstreamFailure) -> UpstreamResponse {
        if let keepAlive, let address = addresses.address(at: base) {
            return try await keepAlive.send(
                method, to: address.endpoint, target: address.target, headers: Self.jsonHeaders, body: body, timeout: timeout)
        }
        return try await send(method, base + addresses.path, jsonBuffer: body, timeout: timeout)
    }

    /// The same request as `send(_:to:at:jsonBuffer:timeout:)`, sent at once from the current
    /// event loop over a keep-alive link of that loop (idle, or new while the pool has room), its
    /// answer handed to `answer` on the loop (`KeepAliveClient.sendNow`); false, with nothing
    /// sent, when that cannot be done.
    public func sendNow(
        _ method: HTTPMethod, to addresses: SplitAddresses, at base: String, jsonBuffer body: ByteBuffer, timeout: Duration,
        answer: @escaping @Sendable (KeepAliveClient.PromptAnswer) -> Void
    ) -> Bool {
        guard let keepAlive, let address = addresses.address(at: base) else { return false }
        return keepAlive.sendNow(
            method, to: address.endpoint, target: address.target, headers: Self.jsonHeaders, body: body, timeout: timeout, answer: answer)
    }

    private static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]

    public func send(
        _ method: HTTPMethod, _ url: String, jsonBuffer body: ByteBuffer?, headers: HTTPHeaders = [:], timeout: Duration
    ) async throws(UpstreamFailure) -> UpstreamResponse {
        if let keepAlive, let (endpoint, target) = HTTPEndpoint.split(url) {
            var headers = headers
            if body != nil { headers.replaceOrAdd(name: "Content-Type", value: "application/json") }
            return try await keepAlive.send(method, to: endpoint, target: target, headers: headers, body: body, timeout: timeout)
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.inNanoseconds))
            let answer = try await response.body.collect(upTo: Self.answerLimit)
            return UpstreamResponse(status: Int(response.status.code), headers: response.headers, body: answer)
        } catch {
            throw Self.classify(error)
        }
    }

    static func classify(_ error: any Error) -> UpstreamFailure {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .getConnectionFromPoolTimeout, .writeTimeout:
                return .timedOut
            default:
                return .unreachable(String(describing: error))
            }
        }
        if isRefused(error) { return .refused }
        return .unreachable(String(describing: error))
    }

    private static func isRefused(_ error: any Error) -> Bool {
        if let error = error as? IOError { return error.errnoCode == ECONNREFUSED }
        if let error = error as? NIOConnectionError {
            return !error.connectionErrors.isEmpty
                && error.connectionErrors.allSatisfy { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
        }
        return String(describing: error).contains("Connection refused")
    }
}

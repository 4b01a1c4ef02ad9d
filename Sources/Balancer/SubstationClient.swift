import Foundation
import GridHTTP
import NIOHTTP1

/// How the balancer talks to substations; a protocol so tests can stand in for the network.
public protocol SubstationClient: Sendable {
    /// The exposition text of `GET {url}/metrics`.
    func scrapeMetrics(_ url: String, timeout: Duration) async throws(UpstreamFailure) -> String
    /// `POST {url}/sessions` with the order; any HTTP answer is returned, transport failures thrown.
    nonisolated(nonsending) func order(_ order: SessionOrder, at url: String, timeout: Duration) async throws(UpstreamFailure)
        -> UpstreamResponse
    /// The same order, sent at once from the current event loop over a link of that loop (idle,
    /// or new while the pool has room), its answer handed to `answer` on the loop; false, with
    /// nothing sent, when that cannot be done (then `order` sends it). Test doubles need not
    /// offer it.
    func orderNow(
        _ order: SessionOrder, at url: String, timeout: Duration, answer: @escaping @Sendable (KeepAliveClient.PromptAnswer) -> Void
    ) -> Bool
    /// `DELETE {url}/sessions/{id}`: undoes an order whose answer was lost. True when the
    /// substation answered (200 undone, 404 never admitted), false when it could not be asked.
    func cancel(sessionId: String, at url: String, timeout: Duration) async -> Bool
    /// `GET` or `DELETE {url}/sessions/{id}`, the substation's answer as it is.
    func session(_ method: HTTPMethod, id: String, at url: String, timeout: Duration) async throws(UpstreamFailure) -> UpstreamResponse
}

extension SubstationClient {
    public func orderNow(
        _ order: SessionOrder, at url: String, timeout: Duration, answer: @escaping @Sendable (KeepAliveClient.PromptAnswer) -> Void
    ) -> Bool {
        false
    }
}

/// The real thing, over the process's one pooled HTTP client.
public struct HTTPSubstationClient: SubstationClient {
    let upstream: Upstream
    /// Each substation's `POST /sessions` address, split once.
    private let orderAddresses = SplitAddresses(path: "/sessions")

    public init(upstream: Upstream) {
        self.upstream = upstream
    }

    public func scrapeMetrics(_ url: String, timeout: Duration) async throws(UpstreamFailure) -> String {
        let response = try await upstream.send(.GET, url + "/metrics", timeout: timeout)
        guard response.status == 200 else { throw .unreachable("metrics answered \(response.status)") }
        return String(decoding: response.body.readableBytesView, as: UTF8.self)
    }

    public nonisolated(nonsending) func order(_ order: SessionOrder, at url: String, timeout: Duration) async throws(UpstreamFailure)
        -> UpstreamResponse
    {
        try await upstream.send(.POST, to: orderAddresses, at: url, jsonBuffer: order.jsonBody, timeout: timeout)
    }

    public func orderNow(
        _ order: SessionOrder, at url: String, timeout: Duration, answer: @escaping @Sendable (KeepAliveClient.PromptAnswer) -> Void
    ) -> Bool {
        upstream.sendNow(.POST, to: orderAddresses, at: url, jsonBuffer: order.jsonBody, timeout: timeout, answer: answer)
    }

    public func cancel(sessionId: String, at url: String, timeout: Duration) async -> Bool {
        guard let answer = try? await session(.DELETE, id: sessionId, at: url, timeout: timeout) else { return false }
        return answer.status == 200 || answer.status == 404
    }

    public func session(_ method: HTTPMethod, id: String, at url: String, timeout: Duration) async throws(UpstreamFailure)
        -> UpstreamResponse
    {
        try await upstream.send(method, url + "/sessions/\(id)", timeout: timeout)
    }
}

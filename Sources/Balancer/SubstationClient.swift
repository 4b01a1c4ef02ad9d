import Foundation
import GridHTTP

/// How the balancer talks to substations; a protocol so tests can stand in for the network.
public protocol SubstationClient: Sendable {
    /// The exposition text of `GET {url}/metrics`.
    func scrapeMetrics(_ url: String, timeout: Duration) async throws(UpstreamFailure) -> String
    /// `POST {url}/sessions` with the order; any HTTP answer is returned, transport failures thrown.
    func order(_ order: SessionOrder, at url: String, timeout: Duration) async throws(UpstreamFailure) -> UpstreamResponse
    /// `DELETE {url}/sessions/{id}`, best effort: undoes an order whose answer was lost.
    func cancel(sessionId: String, at url: String, timeout: Duration) async
}

/// The real thing, over the process's one pooled HTTP client.
public struct HTTPSubstationClient: SubstationClient {
    let upstream: Upstream

    public init(upstream: Upstream) {
        self.upstream = upstream
    }

    public func scrapeMetrics(_ url: String, timeout: Duration) async throws(UpstreamFailure) -> String {
        let response = try await upstream.send(.GET, url + "/metrics", timeout: timeout)
        guard response.status == 200 else { throw .unreachable("metrics answered \(response.status)") }
        return String(decoding: response.body.readableBytesView, as: UTF8.self)
    }

    public func order(_ order: SessionOrder, at url: String, timeout: Duration) async throws(UpstreamFailure) -> UpstreamResponse {
        let body = (try? WireJSON.encoder.encode(order)) ?? Data()
        return try await upstream.send(.POST, url + "/sessions", json: body, timeout: timeout)
    }

    public func cancel(sessionId: String, at url: String, timeout: Duration) async {
        _ = try? await upstream.send(.DELETE, url + "/sessions/\(sessionId)", timeout: timeout)
    }
}

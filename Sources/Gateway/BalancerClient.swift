import Foundation
import GridHTTP
import NIOHTTP1

/// How the gateway talks to the balancer and, for an existing session, to its substation.
public protocol BalancerClient: Sendable {
    func route(_ order: SessionOrder) async throws(UpstreamFailure) -> UpstreamResponse
    func substations() async throws(UpstreamFailure) -> UpstreamResponse
    func session(_ id: String, at substationURL: String) async throws(UpstreamFailure) -> UpstreamResponse
    func cancelSession(_ id: String, at substationURL: String) async throws(UpstreamFailure) -> UpstreamResponse
    /// Passes an admin call (`/admin/...`) on to the balancer with the caller's Authorization.
    func admin(_ method: HTTPMethod, _ path: String, body: Data?, authorization: String?) async throws(UpstreamFailure) -> UpstreamResponse
}

/// The real thing, over the process's one pooled HTTP client.
public struct HTTPBalancerClient: BalancerClient {
    let upstream: Upstream
    let configuration: GatewayConfiguration

    public init(upstream: Upstream, configuration: GatewayConfiguration) {
        self.upstream = upstream
        self.configuration = configuration
    }

    public func route(_ order: SessionOrder) async throws(UpstreamFailure) -> UpstreamResponse {
        let body = (try? WireJSON.encoder.encode(order)) ?? Data()
        return try await upstream.send(.POST, configuration.balancerURL + "/route", json: body, timeout: configuration.balancerTimeout)
    }

    public func substations() async throws(UpstreamFailure) -> UpstreamResponse {
        try await upstream.send(.GET, configuration.balancerURL + "/substations", timeout: configuration.substationTimeout)
    }

    public func session(_ id: String, at substationURL: String) async throws(UpstreamFailure) -> UpstreamResponse {
        try await upstream.send(.GET, "\(substationURL)/sessions/\(id)", timeout: configuration.substationTimeout)
    }

    public func admin(_ method: HTTPMethod, _ path: String, body: Data?, authorization: String?) async throws(UpstreamFailure)
        -> UpstreamResponse
    {
        var headers = HTTPHeaders()
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        return try await upstream.send(
            method, configuration.balancerURL + path, json: body, headers: headers, timeout: configuration.substationTimeout)
    }

    public func cancelSession(_ id: String, at substationURL: String) async throws(UpstreamFailure) -> UpstreamResponse {
        try await upstream.send(.DELETE, "\(substationURL)/sessions/\(id)", timeout: configuration.substationTimeout)
    }
}

import Foundation
import GridHTTP
import NIOHTTP1

/// How the gateway talks to the balancer: every request, reads of sessions included, goes through
/// it (data flows one way; substations are named by id, never by address).
public protocol BalancerClient: Sendable {
    func route(_ order: SessionOrder) async throws(UpstreamFailure) -> UpstreamResponse
    func substations() async throws(UpstreamFailure) -> UpstreamResponse
    /// `GET` or `DELETE` a session at the substation with id `substationId`.
    func session(_ method: HTTPMethod, _ id: String, on substationId: String) async throws(UpstreamFailure) -> UpstreamResponse
    /// `GET` or `DELETE` an order at whichever substation holds it (its fate was unknown); a
    /// `DELETE` leaves the others a tombstone. 404: no substation holds it.
    func order(_ method: HTTPMethod, _ id: String) async throws(UpstreamFailure) -> UpstreamResponse
    /// Passes an admin call (`/admin/...`) on to the balancer with the caller's Authorization.
    func admin(_ method: HTTPMethod, _ path: String, body: Data?, authorization: String?) async throws(UpstreamFailure) -> UpstreamResponse
}

/// The real thing, over the process's one pooled HTTP client. With several balancers, each
/// request goes to the next in turn; one that refuses the connection (so never saw the request)
/// is skipped. Any other failure is final: the request may have been placed.
public struct HTTPBalancerClient: BalancerClient {
    let upstream: Upstream
    let configuration: GatewayConfiguration
    let rotation: BalancerRotation
    /// Each balancer's `POST /route` address, split once.
    private let routeAddresses = SplitAddresses(path: "/route")

    public init(upstream: Upstream, configuration: GatewayConfiguration) {
        self.upstream = upstream
        self.configuration = configuration
        self.rotation = BalancerRotation(urls: configuration.balancerURLs)
    }

    private func firstListening(
        _ send: (String) async throws(UpstreamFailure) -> UpstreamResponse
    ) async throws(UpstreamFailure) -> UpstreamResponse {
        for balancerURL in rotation.order() {
            do throws(UpstreamFailure) {
                return try await send(balancerURL)
            } catch .refused {
                continue  // never reached that balancer: the next may take it
            }
        }
        throw .refused
    }

    public func route(_ order: SessionOrder) async throws(UpstreamFailure) -> UpstreamResponse {
        let body = order.jsonBody
        return try await firstListening { (balancerURL) throws(UpstreamFailure) in
            try await upstream.send(.POST, to: routeAddresses, at: balancerURL, jsonBuffer: body, timeout: configuration.balancerTimeout)
        }
    }

    public func substations() async throws(UpstreamFailure) -> UpstreamResponse {
        try await firstListening { (balancerURL) throws(UpstreamFailure) in
            try await upstream.send(.GET, balancerURL + "/substations", timeout: configuration.substationTimeout)
        }
    }

    public func session(_ method: HTTPMethod, _ id: String, on substationId: String) async throws(UpstreamFailure) -> UpstreamResponse {
        try await firstListening { (balancerURL) throws(UpstreamFailure) in
            try await upstream.send(
                method, "\(balancerURL)/substations/\(substationId)/sessions/\(id)", timeout: configuration.substationTimeout)
        }
    }

    public func order(_ method: HTTPMethod, _ id: String) async throws(UpstreamFailure) -> UpstreamResponse {
        try await firstListening { (balancerURL) throws(UpstreamFailure) in
            try await upstream.send(method, "\(balancerURL)/sessions/\(id)", timeout: configuration.balancerTimeout)
        }
    }

    public func admin(_ method: HTTPMethod, _ path: String, body: Data?, authorization: String?) async throws(UpstreamFailure)
        -> UpstreamResponse
    {
        var headers = HTTPHeaders()
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        // Every balancer must hear a drain or a policy change; the first answer that is not a
        // success (or else the first answer) is the caller's.
        var answers: [UpstreamResponse] = []
        for balancerURL in configuration.balancerURLs {
            answers.append(
                try await upstream.send(method, balancerURL + path, json: body, headers: headers, timeout: configuration.substationTimeout))
        }
        return answers.first { !(200..<300).contains($0.status) } ?? answers[0]
    }
}

import Foundation
import Gateway
import GridCore
import GridHTTP
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Prometheus
import Synchronization
import Testing

/// The gateway's answers when the balancer fails in each way a network can fail.
@Suite struct GatewayTests {
    final class StubBalancer: BalancerClient {
        let answer: @Sendable () throws(UpstreamFailure) -> UpstreamResponse

        init(_ answer: @escaping @Sendable () throws(UpstreamFailure) -> UpstreamResponse) {
            self.answer = answer
        }

        func route(_ order: SessionOrder) async throws(UpstreamFailure) -> UpstreamResponse { try answer() }
        func substations() async throws(UpstreamFailure) -> UpstreamResponse { try answer() }
        func session(_ method: HTTPMethod, _ id: String, on substationId: String) async throws(UpstreamFailure) -> UpstreamResponse {
            try answer()
        }
        func order(_ method: HTTPMethod, _ id: String) async throws(UpstreamFailure) -> UpstreamResponse { try answer() }
        func admin(_ method: HTTPMethod, _ path: String, body: Data?, authorization: String?) async throws(UpstreamFailure)
            -> UpstreamResponse
        {
            try answer()
        }
    }

    static let body = ByteBuffer(string: #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11}"#)
    static let json: HTTPFields = [.contentType: "application/json"]

    static func post(_ balancer: StubBalancer) async throws -> (HTTPResponse.Status, String?, [String: Any]?) {
        let app = buildGatewayApplication(GatewayConfiguration(), balancer: balancer)
        return try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/charge-requests", method: .post, headers: json, body: body) { response in
                let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                return (response.status, response.headers[.contentType], object)
            }
        }
    }

    @Test func unreachableBalancerIs502() async throws {
        let (status, type, body) = try await Self.post(StubBalancer { () throws(UpstreamFailure) in throw .refused })
        #expect(status == .badGateway)
        #expect(type == "application/problem+json")
        #expect(body?["status"] as? Int == 502)
    }

    @Test func slowBalancerIs504() async throws {
        let (status, type, _) = try await Self.post(StubBalancer { () throws(UpstreamFailure) in throw .timedOut })
        #expect(status == .gatewayTimeout)
        #expect(type == "application/problem+json")
    }

    @Test func balancerErrorIs502NotPassedOn() async throws {
        let (status, _, body) = try await Self.post(
            StubBalancer { UpstreamResponse(status: 500, body: ByteBuffer(string: "<html>oops</html>")) })
        #expect(status == .badGateway)
        #expect(body?["detail"] as? String == "the balancer answered 500")
    }

    @Test func noRoomIs503WithRetryAfter() async throws {
        let app = buildGatewayApplication(
            GatewayConfiguration(),
            balancer: StubBalancer {
                UpstreamResponse(
                    status: 503, headers: ["Content-Type": "application/problem+json", "Retry-After": "5"],
                    body: ByteBuffer(string: #"{"status":503,"title":"No substation can admit this vehicle"}"#))
            })
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/charge-requests", method: .post, headers: Self.json, body: Self.body) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test func requestsAreCountedByRouteAndCode() async throws {
        let registry = PrometheusCollectorRegistry()
        let app = buildGatewayApplication(
            GatewayConfiguration(), balancer: StubBalancer { () throws(UpstreamFailure) in throw .refused }, registry: registry)
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/charge-requests", method: .post, headers: Self.json, body: Self.body) { _ in }
            try await client.execute(uri: "/api/v1/charge-requests/abc", method: .get) { _ in }
        }
        let text = registry.emitToString()
        #expect(text.contains(#"gateway_requests_total{route="/api/v1/charge-requests",code="502"} 1"#), "\(text)")
        #expect(text.contains(#"gateway_requests_total{route="/api/v1/charge-requests/{id}",code="404"} 1"#), "\(text)")
        #expect(text.contains("gateway_request_duration_seconds_count 2"))
    }
}

import Foundation
import Gateway
import GridHTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `--rate-limit` over a real socket, where the client has an address.
@Suite struct RateLimitTests {
    @Test func overTheLimitIs429WithRetryAfterAndHealthIsNeverLimited() async throws {
        let balancer = GatewayTests.StubBalancer { () throws(UpstreamFailure) in throw .refused }
        let app = buildGatewayApplication(GatewayConfiguration(server: ServerSettings(port: 0), rateLimitPerSecond: 3), balancer: balancer)
        try await app.test(.live) { client in
            var statuses: [HTTPResponse.Status] = []
            var lastAnswer: (headers: HTTPFields, body: [String: Any]?)?
            for _ in 0..<6 {
                try await client.execute(
                    uri: "/api/v1/charge-requests", method: .post, headers: GatewayTests.json, body: GatewayTests.body
                ) { response in
                    statuses.append(response.status)
                    let body = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                    lastAnswer = (response.headers, body)
                }
            }
            // A burst of 3 passes (to an unreachable balancer: 502); the rest wait.
            #expect(statuses == [.badGateway, .badGateway, .badGateway, .tooManyRequests, .tooManyRequests, .tooManyRequests])
            #expect(lastAnswer?.headers[.retryAfter] == "1")
            #expect(lastAnswer?.headers[.contentType] == "application/problem+json")
            #expect(lastAnswer?.body?["type"] as? String == "urn:smartgrid:problem:rate-limited")
            for _ in 0..<10 {
                try await client.execute(uri: "/health", method: .get) { response in #expect(response.status == .ok) }
            }
        }
    }
}

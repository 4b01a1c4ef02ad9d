import Foundation
import Gateway
import GridCore
import GridHTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Prometheus
import Testing

/// `POST /api/v1/charge-requests` has two ways in: over a socket `FastLane` answers it, and the
/// router when called without one (`.router` tests) or when the lane leaves a request to it.
/// Both must answer alike, problems, headers, idempotency and metrics included.
@Suite struct GatewayLaneTests {
    /// A balancer that admits every order at substation S1 unless told to fail.
    final class AdmittingBalancer: BalancerClient {
        let failure: UpstreamResponse?

        init(failure: UpstreamResponse? = nil) {
            self.failure = failure
        }

        func route(_ order: SessionOrder) async throws(UpstreamFailure) -> UpstreamResponse {
            if let failure { return failure }
            return UpstreamResponse(
                status: 201, headers: ["Content-Type": "application/json"],
                body: ByteBuffer(string: #"{"id":"\#(order.id)","status":"charging","substationId":"S1"}"#))
        }
        func substations() async throws(UpstreamFailure) -> UpstreamResponse { throw .refused }
        func session(_ method: HTTPMethod, _ id: String, on substationId: String) async throws(UpstreamFailure) -> UpstreamResponse {
            throw .refused
        }
        func order(_ method: HTTPMethod, _ id: String) async throws(UpstreamFailure) -> UpstreamResponse { throw .refused }
        func admin(_ method: HTTPMethod, _ path: String, body: Data?, authorization: String?) async throws(UpstreamFailure)
            -> UpstreamResponse
        {
            throw .refused
        }
    }

    struct Answer: Equatable {
        var status: Int
        var contentType: String?
        var retryAfter: String?
        var replayed: String?
        /// The body with the order id (new for every booking) taken out.
        var body: String
    }

    /// The same requests, answered over a socket (the lane) and without one (the router).
    static func answers(_ setup: TestingSetup, balancer: AdmittingBalancer, requests: [(HTTPFields, String)]) async throws -> [Answer] {
        let app = buildGatewayApplication(GatewayConfiguration(server: ServerSettings(port: 0)), balancer: balancer)
        return try await app.test(setup) { client in
            var answers: [Answer] = []
            for (headers, body) in requests {
                try await client.execute(
                    uri: "/api/v1/charge-requests", method: .post, headers: headers, body: ByteBuffer(string: body)
                ) { response in
                    let text = String(buffer: response.body).replacing(/[0-9a-f]{8}-[0-9a-f-]{27}/, with: "ID")
                    answers.append(
                        Answer(
                            status: Int(response.status.code), contentType: response.headers[.contentType],
                            retryAfter: response.headers[.retryAfter], replayed: response.headers[HTTPField.Name("Idempotent-Replayed")!],
                            body: text))
                }
            }
            return answers
        }
    }

    static let json: HTTPFields = [.contentType: "application/json"]
    static let keyed: HTTPFields = [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "k-1"]
    static let order = #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11}"#

    @Test func theLaneAndTheRouterAnswerAlike() async throws {
        let requests: [(HTTPFields, String)] = [
            (Self.json, Self.order),
            (Self.json, #"{"vehicleId":"EV-1","energyKWh":-1,"maxPowerKW":11}"#),
            (Self.json, #"{"vehicleId":"#),
            ([.contentType: "text/plain"], Self.order),
            (Self.keyed, Self.order),
            (Self.keyed, Self.order),
            (Self.keyed, #"{"vehicleId":"EV-2","energyKWh":30,"maxPowerKW":11}"#),
            ([.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "bad key"], Self.order),
        ]
        let overSocket = try await Self.answers(.live, balancer: AdmittingBalancer(), requests: requests)
        let withoutSocket = try await Self.answers(.router, balancer: AdmittingBalancer(), requests: requests)
        #expect(overSocket == withoutSocket)
        #expect(overSocket.map(\.status) == [201, 400, 400, 415, 201, 201, 422, 400])
        #expect(overSocket[5].replayed == "true", "a keyed retry gets the first answer again")
        #expect(overSocket[0].body == #"{"id":"ID","status":"charging","substationId":"S1"}"#)

        let full = UpstreamResponse(
            status: 503, headers: ["Content-Type": "application/problem+json", "Retry-After": "7"],
            body: ByteBuffer(string: #"{"status":503,"title":"No substation can admit this vehicle"}"#))
        let fullOverSocket = try await Self.answers(.live, balancer: AdmittingBalancer(failure: full), requests: [(Self.json, Self.order)])
        #expect(
            fullOverSocket
                == (try await Self.answers(.router, balancer: AdmittingBalancer(failure: full), requests: [(Self.json, Self.order)])))
        #expect(fullOverSocket.first?.retryAfter == "7")
    }

    @Test func theLanesAnswersAreCountedAndTimed() async throws {
        let registry = PrometheusCollectorRegistry()
        let app = buildGatewayApplication(
            GatewayConfiguration(server: ServerSettings(port: 0)), balancer: AdmittingBalancer(), registry: registry)
        try await app.test(.live) { client in
            for body in [Self.order, Self.order, "{"] {
                try await client.execute(uri: "/api/v1/charge-requests", method: .post, headers: Self.json, body: ByteBuffer(string: body))
                {
                    _ in
                }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"gateway_requests_total{route="/api/v1/charge-requests",code="201"} 2"#))
                #expect(text.contains(#"gateway_requests_total{route="/api/v1/charge-requests",code="400"} 1"#))
                #expect(text.contains("gateway_request_duration_seconds_count 3"))
            }
        }
    }
}

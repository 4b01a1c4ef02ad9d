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
    struct Answer: Equatable {
        var status: Int
        var contentType: String?
        var retryAfter: String?
        var replayed: String?
        /// The body with the order id (new for every booking) taken out.
        var body: String
    }

    /// The same requests, answered over a socket (the lane) and without one (the router).
    static func answers(_ setup: TestingSetup, balancer: any BalancerClient, requests: [(HTTPFields, String)]) async throws -> [Answer] {
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
            // A repeated Idempotency-Key: the router joins the values ("k-1, k-2": not a valid key).
            (
                [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "k-1", HTTPField.Name("Idempotency-Key")!: "k-2"],
                Self.order
            ),
            ([.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "bad key"], Self.order),
        ]
        let laneBalancer = IdempotencyTests.CountingBalancer()
        let routerBalancer = IdempotencyTests.CountingBalancer()
        let overSocket = try await Self.answers(.live, balancer: laneBalancer, requests: requests)
        let withoutSocket = try await Self.answers(.router, balancer: routerBalancer, requests: requests)
        // The lane routes from the connection's event loop, the router from the concurrency pool.
        #expect(laneBalancer.routedOnEventLoop.withLock { $0 } == [true, true])
        #expect(routerBalancer.routedOnEventLoop.withLock { $0 } == [false, false])
        #expect(overSocket == withoutSocket)
        #expect(overSocket.map(\.status) == [201, 400, 400, 415, 201, 201, 422, 400, 400])
        #expect(overSocket[5].replayed == "true", "a keyed retry gets the first answer again")
        #expect(overSocket[0].body.hasPrefix(#"{"id":"ID","vehicleId":"EV-1","substationId":"S1","status":"charging""#))

        let full = UpstreamResponse(
            status: 503, headers: ["Content-Type": "application/problem+json", "Retry-After": "7"],
            body: ByteBuffer(string: #"{"status":503,"title":"No substation can admit this vehicle"}"#))
        let fullOverSocket = try await Self.answers(
            .live, balancer: GatewayTests.StubBalancer { full }, requests: [(Self.json, Self.order)])
        #expect(
            fullOverSocket
                == (try await Self.answers(.router, balancer: GatewayTests.StubBalancer { full }, requests: [(Self.json, Self.order)])))
        #expect(fullOverSocket.first?.retryAfter == "7")
    }

    @Test func theLanesAnswersAreCountedAndTimed() async throws {
        let registry = PrometheusCollectorRegistry()
        let app = buildGatewayApplication(
            GatewayConfiguration(server: ServerSettings(port: 0)), balancer: IdempotencyTests.CountingBalancer(), registry: registry)
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

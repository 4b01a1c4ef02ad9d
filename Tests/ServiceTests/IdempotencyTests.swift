import Foundation
import Gateway
import GridHTTP
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// `Idempotency-Key` on charge requests: a client's retry never books twice.
@Suite struct IdempotencyTests {
    /// A balancer that admits everything and counts what it was asked to route, and whether
    /// each order was routed from an event loop thread (as `FastLane` does) or not.
    final class CountingBalancer: BalancerClient {
        let routed = Mutex(0)
        let routedOnEventLoop = Mutex<[Bool]>([])

        func route(_ order: SessionOrder) async throws(UpstreamFailure) -> UpstreamResponse {
            routed.withLock { $0 += 1 }
            routedOnEventLoop.withLock { $0.append(MultiThreadedEventLoopGroup.currentEventLoop != nil) }
            let body =
                #"{"id":"\#(order.id)","vehicleId":"\#(order.request.vehicleId)","substationId":"S1","status":"charging","energyRequestedKWh":\#(order.request.energyKWh),"energyDeliveredKWh":0,"powerKW":11,"createdAt":"2026-01-01T00:00:00Z"}"#
            return UpstreamResponse(status: 201, headers: ["Substation-URL": "http://s1"], body: ByteBuffer(string: body))
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

    static func post(_ client: some TestClientProtocol, key: String?, body: String) async throws -> (Int, [String: Any]?, String?) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.init("Idempotency-Key")!] = key }
        return try await client.execute(uri: "/api/v1/charge-requests", method: .post, headers: headers, body: ByteBuffer(string: body)) {
            let json = try? JSONSerialization.jsonObject(with: Data($0.body.readableBytesView)) as? [String: Any]
            return (Int($0.status.code), json, $0.headers[.init("Idempotent-Replayed")!])
        }
    }

    @Test func theSameKeyAndBodyBookOnce() async throws {
        let balancer = CountingBalancer()
        let app = buildGatewayApplication(GatewayConfiguration(), balancer: balancer)
        let body = #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11}"#
        try await app.test(.router) { client in
            let first = try await Self.post(client, key: "retry-me", body: body)
            // The same body with its keys in another order is the same request.
            let second = try await Self.post(client, key: "retry-me", body: #"{"maxPowerKW":11,"energyKWh":30,"vehicleId":"EV-1"}"#)
            #expect(first.0 == 201 && second.0 == 201)
            #expect(first.1?["id"] as? String == second.1?["id"] as? String)
            #expect(second.2 == "true")
            let other = try await Self.post(client, key: "retry-me", body: #"{"vehicleId":"EV-2","energyKWh":30,"maxPowerKW":11}"#)
            #expect(other.0 == 422)
            #expect(other.1?["type"] as? String == "urn:smartgrid:problem:idempotency-key-reused")
            _ = try await Self.post(client, key: nil, body: body)
            _ = try await Self.post(client, key: nil, body: body)
            let bad = try await Self.post(client, key: String(repeating: "k", count: 300), body: body)
            #expect(bad.0 == 400)
        }
        #expect(balancer.routed.withLock { $0 } == 3, "one booking for the keyed pair, two for the unkeyed ones")
    }
}

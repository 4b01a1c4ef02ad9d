import Foundation
import Gateway
import GridCore
import GridHTTP
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The gateway's half of exactly once: an `Idempotency-Key` keeps its order id across a lost
/// answer, a retry resolves that order, and an order nobody will resolve is undone.
@Suite struct ExactlyOnceGatewayTests {
    /// A balancer scripted per call, remembering every order id it was asked to place and every
    /// order it was asked about.
    final class ScriptedBalancer: BalancerClient {
        struct Calls: Sendable {
            var routed: [String] = []
            var lookups: [String] = []
            var withdrawals: [String] = []
        }

        let calls = Mutex(Calls())
        /// How `route` fails on its n-th call (0-based); beyond the list, it admits.
        let routeScript: [UpstreamFailure]
        /// The answer to `GET /sessions/{id}` at the balancer.
        let lookup: @Sendable (String) -> UpstreamResponse

        init(
            routeScript: [UpstreamFailure],
            lookup: @escaping @Sendable (String) -> UpstreamResponse = { _ in UpstreamResponse(status: 404, body: ByteBuffer()) }
        ) {
            self.routeScript = routeScript
            self.lookup = lookup
        }

        static func admitted(_ order: SessionOrder, status: String = "charging") -> UpstreamResponse {
            UpstreamResponse(status: 201, body: ByteBuffer(string: sessionJSON(id: order.id, status: status)))
        }

        static func sessionJSON(id: String, status: String) -> String {
            #"{"id":"\#(id)","vehicleId":"EV-1","substationId":"S2","status":"\#(status)","energyRequestedKWh":30,"energyDeliveredKWh":0,"powerKW":11,"createdAt":"2026-01-01T00:00:00Z"}"#
        }

        func route(_ order: SessionOrder) async throws(UpstreamFailure) -> UpstreamResponse {
            let call = calls.withLock { calls in
                calls.routed.append(order.id)
                return calls.routed.count - 1
            }
            guard call < routeScript.count else { return Self.admitted(order) }
            throw routeScript[call]
        }

        func order(_ method: HTTPMethod, _ id: String) async throws(UpstreamFailure) -> UpstreamResponse {
            if method == .DELETE {
                calls.withLock { $0.withdrawals.append(id) }
                return UpstreamResponse(status: 404, body: ByteBuffer())
            }
            calls.withLock { $0.lookups.append(id) }
            return lookup(id)
        }

        func substations() async throws(UpstreamFailure) -> UpstreamResponse { throw .refused }
        func session(_ method: HTTPMethod, _ id: String, on substationId: String) async throws(UpstreamFailure) -> UpstreamResponse {
            UpstreamResponse(status: 200, body: ByteBuffer(string: Self.sessionJSON(id: id, status: "charging")))
        }
        func admin(_ method: HTTPMethod, _ path: String, body: Data?, authorization: String?) async throws(UpstreamFailure)
            -> UpstreamResponse
        {
            throw .refused
        }
    }

    /// An archive whose writes of final answers fail while `failing` is set.
    final class FlakyArchive: IdempotencyArchive {
        let failing = Mutex(true)
        struct WriteFailed: Error {}

        func bind(_ order: BoundOrder) async throws {}
        func unbind(key: String, orderId: String) async throws {}
        func keep(_ answer: ArchivedAnswer) async throws {
            if failing.withLock({ $0 }) { throw WriteFailed() }
        }
        func answers(since time: Double) async throws -> [ArchivedAnswer] { [] }
        func boundOrders(since time: Double) async throws -> [BoundOrder] { [] }
    }

    static let body = #"{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11}"#
    /// No wait before a retry may resolve: the stand-in balancer has no orders in flight.
    static let configuration = GatewayConfiguration(balancerTimeout: .zero)

    static func post(_ client: some TestClientProtocol, key: String?) async throws -> (status: Int, id: String?, replayed: Bool) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.init("Idempotency-Key")!] = key }
        return try await client.execute(uri: "/api/v1/charge-requests", method: .post, headers: headers, body: ByteBuffer(string: body)) {
            let json = try? JSONSerialization.jsonObject(with: Data($0.body.readableBytesView)) as? [String: Any]
            return (Int($0.status.code), json?["id"] as? String, $0.headers[.init("Idempotent-Replayed")!] == "true")
        }
    }

    /// The balancer placed the order but its answer was lost (504). The retry finds the order
    /// where it landed and answers 201 with its id: one order, never a second.
    @Test func aRetryAfterALostAnswerFindsTheOrderThatLanded() async throws {
        let balancer = ScriptedBalancer(
            routeScript: [.timedOut],
            lookup: { id in UpstreamResponse(status: 200, body: ByteBuffer(string: ScriptedBalancer.sessionJSON(id: id, status: "charging"))) })
        let app = buildGatewayApplication(Self.configuration, balancer: balancer)
        try await app.test(.router) { client in
            let first = try await Self.post(client, key: "car-1")
            #expect(first.status == 504)
            let retry = try await Self.post(client, key: "car-1")
            #expect(retry.status == 201)
            let routed = balancer.calls.withLock { $0.routed }
            #expect(routed.count == 1, "placed once")
            #expect(retry.id == routed.first)
            #expect(balancer.calls.withLock { $0.lookups } == routed)
            let again = try await Self.post(client, key: "car-1")
            #expect(again.status == 201 && again.id == retry.id && again.replayed)
            // A GET finds it: the booking was recorded when it was resolved.
            try await client.execute(uri: "/api/v1/charge-requests/\(retry.id ?? "")", method: .get) { #expect($0.status == .ok) }
        }
        #expect(balancer.calls.withLock { $0.withdrawals }.isEmpty, "a keyed order waits for its retry; it is not undone")
    }

    /// The lost order landed nowhere (or only as undone): the retry fences it off everywhere
    /// (a DELETE leaving tombstones, so a late copy can never start) and places a fresh order.
    @Test func aRetryOfAnOrderThatLandedNowhereFencesItAndPlacesAFreshOne() async throws {
        let balancer = ScriptedBalancer(
            routeScript: [.unreachable("reset")],
            lookup: { id in UpstreamResponse(status: 200, body: ByteBuffer(string: ScriptedBalancer.sessionJSON(id: id, status: "cancelled"))) })
        let app = buildGatewayApplication(Self.configuration, balancer: balancer)
        try await app.test(.router) { client in
            let first = try await Self.post(client, key: "car-2")
            #expect(first.status == 502)
            let retry = try await Self.post(client, key: "car-2")
            #expect(retry.status == 201)
            let calls = balancer.calls.withLock { $0 }
            #expect(calls.routed.count == 2 && Set(calls.routed).count == 2, "a fresh order id: \(calls.routed)")
            #expect(calls.withdrawals == [calls.routed[0]], "the first order fenced off before the second was placed")
            #expect(retry.id == calls.routed.last)
        }
    }

    /// Within the time its order may still land, a retry is told to wait rather than risk a second booking.
    @Test func aRetryTooSoonWaits() async throws {
        let balancer = ScriptedBalancer(routeScript: [.timedOut])
        let app = buildGatewayApplication(GatewayConfiguration(balancerTimeout: .seconds(60)), balancer: balancer)
        try await app.test(.router) { client in
            let answer2 = try await Self.post(client, key: "car-3")
            #expect(answer2.status == 504)
            let answer3 = try await Self.post(client, key: "car-3")
            #expect(answer3.status == 409)
            #expect(balancer.calls.withLock { $0.routed.count } == 1)
        }
    }

    /// Without a key nobody will resolve a lost order: the gateway undoes it everywhere.
    @Test func anUnkeyedLostOrderIsUndone() async throws {
        let balancer = ScriptedBalancer(routeScript: [.timedOut])
        let app = buildGatewayApplication(Self.configuration, balancer: balancer)
        try await app.test(.router) { client in
            let answer4 = try await Self.post(client, key: nil)
            #expect(answer4.status == 504)
        }
        let calls = balancer.calls.withLock { $0 }
        #expect(calls.withdrawals == calls.routed && calls.routed.count == 1)
    }

    /// A refused connection means no balancer took the order: nothing to undo, and a keyed
    /// retry places a fresh order at once.
    @Test func aRefusedConnectionBooksNothing() async throws {
        let balancer = ScriptedBalancer(routeScript: [.refused])
        let app = buildGatewayApplication(GatewayConfiguration(balancerTimeout: .seconds(60)), balancer: balancer)
        try await app.test(.router) { client in
            let answer5 = try await Self.post(client, key: "car-4")
            #expect(answer5.status == 502)
            let answer6 = try await Self.post(client, key: "car-4")
            #expect(answer6.status == 201)
        }
        #expect(balancer.calls.withLock { $0.withdrawals }.isEmpty)
        #expect(balancer.calls.withLock { $0.lookups }.isEmpty)
    }

    /// The answer could not be written down: the client hears 503, not a 201 the gateway could
    /// forget; the retry resolves the order it placed and answers 201 with that id.
    @Test func anAnswerThatCannotBeKeptIsNotGiven() async throws {
        let archive = FlakyArchive()
        let balancer = ScriptedBalancer(
            routeScript: [],
            lookup: { id in UpstreamResponse(status: 200, body: ByteBuffer(string: ScriptedBalancer.sessionJSON(id: id, status: "charging"))) })
        let app = buildGatewayApplication(Self.configuration, balancer: balancer, idempotencyArchive: archive)
        try await app.test(.router) { client in
            let answer7 = try await Self.post(client, key: "car-5")
            #expect(answer7.status == 503)
            archive.failing.withLock { $0 = false }
            let retry = try await Self.post(client, key: "car-5")
            #expect(retry.status == 201)
            #expect(balancer.calls.withLock { $0.routed } == [retry.id ?? ""], "placed once")
        }
    }
}

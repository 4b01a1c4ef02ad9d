import Foundation
import GridCore
import GridHTTP
import HTTPTypes
import Hummingbird
import NIOHTTP1

/// The public charge request API of CONTRACT section 3.
struct GatewayRoutes: Sendable {
    let balancer: any BalancerClient
    let directory: any SessionDirectory
    let idempotency: IdempotencyStore
    /// Orders whose fate is unknown and that no client will resolve: undone through the balancer.
    let undo: UndoQueue
    /// Cars waiting for a free point (`maxWaitMinutes`).
    let waitingList: WaitingList
    /// Wall-clock seconds since 1970.
    let now: @Sendable () -> Double
    /// The last five minutes of the grid, for dashboards opened mid-run.
    let history: GridHistoryRecorder
    let tally = AnswerTally()
    static let chargeRequests = "/api/v1/charge-requests"

    func add(to router: Router<GatewayRequestContext>) {
        router.post(RouterPath(Self.chargeRequests)) { request, _ in
            let body = try await WireJSON.readBody(from: request)
            return try await chargeRequest(
                idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!], contentType: request.headers[.contentType], body: body
            ).response
        }
        router.get(RouterPath(Self.chargeRequests + "/:id")) { _, context in
            try await forward(id: try context.parameters.require("id"), cancel: false)
        }
        router.delete(RouterPath(Self.chargeRequests + "/:id")) { _, context in
            try await forward(id: try context.parameters.require("id"), cancel: true)
        }
        router.get("/api/v1/grid") { _, _ in try await grid() }
        // The original assignment's endpoint: no body needed, an ordinary AC charge.
        router.post("/request_charge") { _, _ in
            try await book(WaitRequest(charge: .legacyDefault(vehicleId: "EV-" + RandomUUID.text().prefix(8)))).response
        }
        router.get("/health") { _, _ in try WireJSON.response(["status": "ok", "service": "gateway"]) }
        // Readiness includes the database: a gateway that cannot reach it takes no traffic.
        router.get("/ready") { _, _ in
            if let store = directory as? any StoreReadiness, await !store.isReachable() {
                throw Problem.storageUnavailable("the gateway cannot reach its database")
            }
            return try WireJSON.response(["status": "ready", "service": "gateway"])
        }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/api/v1/grid/history") { _, _ in try WireJSON.response(history.current) }
        router.get("/api/v1/grid/stream") { _, _ in
            GridStream(balancer: balancer, tally: tally, history: history, waitingList: waitingList).response()
        }
        router.get("/dashboard") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
        }
        // The dashboard's admin actions, passed on to the balancer's admin API with the caller's token.
        router.post("/api/v1/admin/substations/:id/drain") { request, context in
            try await admin(.POST, "/admin/substations/\(try Self.substationId(context))/drain", request)
        }
        router.post("/api/v1/admin/substations/:id/undrain") { request, context in
            try await admin(.POST, "/admin/substations/\(try Self.substationId(context))/undrain", request)
        }
        router.put("/api/v1/admin/policy") { request, _ in try await admin(.PUT, "/admin/policy", request) }
    }

    static func substationId(_ context: GatewayRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        guard ChargeRequest.isValidIdentifier(id), !id.allSatisfy({ $0 == "." }) else { throw Problem.notFound("no substation \(id)") }
        return id
    }

    private func admin(_ method: HTTPMethod, _ path: String, _ request: Request) async throws -> Response {
        var body: Data?
        if method == .PUT {
            let json = try await WireJSON.readObject(from: request)
            body = try WireJSON.encoder.encode(json)
        }
        let answer: UpstreamResponse
        do throws(UpstreamFailure) {
            answer = try await balancer.admin(method, path, body: body, authorization: request.headers[.authorization])
        } catch {
            throw Self.problem(for: error, upstream: "balancer")
        }
        return Self.passThrough(answer)
    }

    private func book(_ chargeRequest: WaitRequest) async throws -> WireAnswer {
        let orderId = RandomUUID.text()
        switch try await bookAnswer(chargeRequest, orderId: orderId) {
        case .answered(let answer):
            return answer
        case .fateUnknown(let problem):
            // Nobody will ask again for this order: undo it, so no session lives that the client was not told of.
            await undo.undoNow(sessionId: orderId, at: "balancer")
            throw problem
        }
    }

    /// `POST /api/v1/charge-requests`, with `Idempotency-Key` honoured: the same key and body get
    /// the first answer again and book nothing; the same key with another body is a 422. The key
    /// is bound to its order id before the order is placed, so a retry after a lost answer
    /// resolves that order instead of booking a second. Both lanes answer with this: `FastLane`
    /// on the event loop, and the router for requests the lane leaves to it.
    func chargeRequest(idempotencyKey key: String?, contentType: String?, body: ByteBuffer) async throws -> WireAnswer {
        // The JSON tree is needed only for an Idempotency-Key's fingerprint: without a key, a plain
        // body is read as it is.
        if key == nil, let contentType, WireJSON.isJSON(contentType),
            let plain = body.withUnsafeReadableBytes({ WaitRequest.validate(plain: $0) })
        {
            return try await book(validated(plain))
        }
        let json = try WireJSON.readObject(contentType: contentType, body: body)
        guard let key else { return try await book(validated(json)) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem.invalidRequest([FieldError(field: "Idempotency-Key", message: "must be 1-255 visible ASCII characters")])
        }
        let chargeRequest = try validated(json)
        let fingerprint = String(decoding: (try? WireJSON.encoder.encode(json)) ?? Data(), as: UTF8.self)
        let outcome: BookingOutcome
        switch try await idempotency.check(key: key, fingerprint: fingerprint) {
        case .replay(let answer):
            return answer.replayed()
        case .conflict:
            throw Problem(
                status: .unprocessableContent, slug: "idempotency-key-reused", title: "Idempotency key reused",
                detail: "this Idempotency-Key was used with another body")
        case .inProgress:
            throw Problem(
                status: .conflict, slug: "idempotency-key-in-progress", title: "Request in progress",
                detail: "a request with this Idempotency-Key is still being answered, or its order may still land; retry shortly",
                retryAfterSeconds: 1)
        case .proceed(let orderId):
            try await idempotency.bind(key: key)
            outcome = try await settling(key) { try await bookAnswer(chargeRequest, orderId: orderId) }
        case .resolve(let orderId):
            outcome = try await settling(key) { try await resolveAnswer(chargeRequest, key: key, orderId: orderId) }
        }
        switch outcome {
        case .answered(let answer) where answer.status.code == 503:
            // Nothing was booked (the balancer undoes what it is unsure of): a retry may find room.
            await idempotency.abandon(key: key)
            return answer
        case .answered(let answer):
            try await idempotency.record(key: key, fingerprint: fingerprint, answer: answer)
            return answer
        case .fateUnknown(let problem):
            // The key keeps its order: the client's retry resolves it.
            idempotency.markUnresolved(key: key)
            throw problem
        }
    }

    /// Runs an attempt for `key`; any error it throws means nothing was booked.
    private func settling(_ key: String, _ attempt: () async throws -> BookingOutcome) async throws -> BookingOutcome {
        do {
            return try await attempt()
        } catch {
            await idempotency.abandon(key: key)
            throw error
        }
    }

    private func validated(_ json: JSONValue) throws -> WaitRequest {
        try validated(WaitRequest.validate(json))
    }

    private func validated(_ result: Result<WaitRequest, ValidationFailure>) throws -> WaitRequest {
        try result.mapError { Problem.invalidRequest($0.errors) }.get()
    }

    /// What one attempt to book came to.
    enum BookingOutcome: Sendable {
        /// A final answer (201, 4xx, 503): the order's fate is known.
        case answered(WireAnswer)
        /// The order may or may not have been booked (the balancer timed out or broke off, or
        /// the booking could not be recorded): `problem` is what the client hears now.
        case fateUnknown(Problem)
    }

    /// Places order `orderId` through the balancer, or, for a driver who will wait, puts it in the
    /// waiting list when nothing can admit it now (or cars already wait: first come, first
    /// served). Throws only when nothing was booked.
    private func bookAnswer(_ wait: WaitRequest, orderId: String) async throws -> BookingOutcome {
        if wait.maxWaitMinutes > 0, try await waitingList.hasWaiting() {
            return try await enqueue(wait, orderId: orderId, retryAfterSeconds: 5)
        }
        let order = SessionOrder(id: orderId, request: wait.charge)
        let answer: UpstreamResponse
        do throws(UpstreamFailure) {
            answer = try await balancer.route(order)
        } catch .refused {
            throw Self.problem(for: .refused, upstream: "balancer")  // no balancer took the order
        } catch {
            return .fateUnknown(Self.problem(for: error, upstream: "balancer"))
        }
        switch answer.status {
        case 201:
            guard let session = SessionPlacement(json: answer.body), session.id == orderId else {
                return .fateUnknown(Problem.badGateway("the balancer's answer could not be read"))
            }
            return try await booked(session, body: answer.body)
        case 503 where wait.maxWaitMinutes > 0:
            let retryAfter = answer.headers.first(name: "Retry-After").flatMap { Int($0) } ?? 5
            return try await enqueue(wait, orderId: orderId, retryAfterSeconds: retryAfter)
        case 400...499, 503:
            tally.count(status: answer.status)
            var headers = HTTPFields()
            headers[.contentType] = answer.headers.first(name: "Content-Type") ?? Problem.mediaType
            if let retryAfter = answer.headers.first(name: "Retry-After") { headers[.retryAfter] = retryAfter }
            return .answered(WireAnswer(status: .init(code: answer.status), headers: headers, body: answer.body))
        default:
            return .fateUnknown(Problem.badGateway("the balancer answered \(answer.status)"))
        }
    }

    /// Joins the waiting list: 202 with the car's place and when a point is expected to free for it.
    private func enqueue(_ wait: WaitRequest, orderId: String, retryAfterSeconds: Int) async throws -> BookingOutcome {
        let now = now()
        let entry = WaitingLine.Entry(
            orderId: orderId, request: wait.charge, enqueuedAt: now, waitUntil: now + Double(wait.maxWaitMinutes) * 60)
        let position = try await waitingList.enqueue(entry, retryAfterSeconds: retryAfterSeconds)
        return try await queuedAnswer(entry, position: position)
    }

    /// 202 for a car in the waiting list: its place and when a point is expected to free for it.
    private func queuedAnswer(_ entry: WaitingLine.Entry, position: Int) async throws -> BookingOutcome {
        let estimate = await StartEstimate(balancer: balancer).secondsUntilFree(position: position).map { now() + $0 }
        tally.count(status: 202)
        var headers = HTTPFields()
        headers[.location] = "\(Self.chargeRequests)/\(entry.orderId)"
        headers[.contentType] = "application/json"
        let body = QueuedChargeRequest(entry, status: "queued", position: position, estimatedStartAt: estimate)
        return .answered(WireAnswer(status: .accepted, headers: headers, body: ByteBuffer(bytes: try WireJSON.encoder.encode(body))))
    }

    /// An order whose first attempt ended with its fate unknown. Still in this gateway's waiting
    /// list: that is its answer. Held by a substation: that is the booking. Held nowhere (or only
    /// as undone): it is fenced off everywhere (a tombstone at every substation, so a late copy
    /// can never start), and the key's retry places a fresh order.
    private func resolveAnswer(_ wait: WaitRequest, key: String, orderId: String) async throws -> BookingOutcome {
        if case .waiting(let position, let entry) = try await waitingList.place(of: orderId) {
            return try await queuedAnswer(entry, position: position)
        }
        let found: UpstreamResponse
        do throws(UpstreamFailure) {
            found = try await balancer.order(.GET, orderId)
        } catch {
            return .fateUnknown(Self.problem(for: error, upstream: "balancer"))
        }
        switch found.status {
        case 200:
            guard let session = SessionPlacement(json: found.body) else {
                return .fateUnknown(Problem.badGateway("the balancer's answer could not be read"))
            }
            if session.status != .cancelled { return try await booked(session, body: found.body) }
        case 404:
            break
        default:
            return .fateUnknown(Problem.badGateway("where order \(orderId) landed cannot be told now; retry"))
        }
        // Every substation answered and none holds it live: fence it off, then place a fresh order.
        guard let fenced = try? await balancer.order(.DELETE, orderId), fenced.status == 200 || fenced.status == 404 else {
            return .fateUnknown(Problem.badGateway("order \(orderId) could not be withdrawn everywhere yet; retry"))
        }
        return try await bookAnswer(wait, orderId: try await idempotency.rebind(key: key))
    }

    /// Records where a booked session lives before anyone hears of it; if that fails, the
    /// booking's fate is for the caller to settle (undo it, or leave it to a keyed retry).
    /// `body` is the substation's JSON of `session`, passed on as it is rather than encoded again.
    private func booked(_ session: SessionPlacement, body: ByteBuffer) async throws -> BookingOutcome {
        do {
            try await directory.record(session.id, at: SessionLocation(substationId: session.substationId))
        } catch {
            return .fateUnknown(Problem.storageUnavailable("the gateway could not record the booking; retry"))
        }
        tally.count(status: 201)
        var headers = HTTPFields()
        headers[.location] = "\(Self.chargeRequests)/\(session.id)"
        headers[.contentType] = "application/json"
        return .answered(WireAnswer(status: .created, headers: headers, body: body))
    }

    private func forward(id: String, cancel: Bool) async throws -> Response {
        let stored: SessionLocation?
        do {
            stored = try await directory.location(of: id)
        } catch {
            throw Problem.storageUnavailable("the gateway could not read where charge request \(id) lives; retry")
        }
        guard let location = stored else { return try await waiting(id: id, cancel: cancel) }
        return try await session(id: id, at: location, cancel: cancel)
    }

    /// A booked session, read or ended through the balancer at its substation's id.
    private func session(id: String, at location: SessionLocation, cancel: Bool) async throws -> Response {
        let answer: UpstreamResponse
        do throws(UpstreamFailure) {
            answer = try await balancer.session(cancel ? .DELETE : .GET, id, on: location.substationId)
        } catch {
            throw Self.problem(for: error, upstream: "balancer")
        }
        switch answer.status {
        case 200, 502, 503: return Self.passThrough(answer)
        case 404: throw Problem.badGateway("substation \(location.substationId) no longer knows charge request \(id)")
        default: throw Problem.badGateway("substation \(location.substationId) answered \(answer.status)")
        }
    }

    /// A charge request that is, or was, in the waiting list: its place now, or how its wait
    /// ended; a DELETE takes it out. 404 when the gateway never heard of it.
    private func waiting(id: String, cancel: Bool) async throws -> Response {
        let now = now()
        if cancel, let entry = try await cancelWaiting(id, now: now) {
            // An attempt to place it may have landed: withdraw it everywhere.
            if entry.placing { await undo.undoNow(sessionId: id, at: "balancer") }
            return try WireJSON.response(QueuedChargeRequest(entry, status: "cancelled", position: nil, estimatedStartAt: nil))
        }
        switch try await waitingList.place(of: id) {
        case .waiting where cancel:
            // It left the line in the same instant (admitted): end its session instead, once recorded.
            if let location = try? await directory.location(of: id) { return try await session(id: id, at: location, cancel: true) }
            throw Problem.unavailable("charge request \(id) is being admitted; retry", retryAfterSeconds: 1)
        case .waiting(let position, let entry):
            let estimate = await StartEstimate(balancer: balancer).secondsUntilFree(position: position).map { now + $0 }
            return try WireJSON.response(QueuedChargeRequest(entry, status: "queued", position: position, estimatedStartAt: estimate))
        case .ended(.admitted, _):
            // Admitted a moment ago: its booking is recorded now.
            if let location = try? await directory.location(of: id) { return try await session(id: id, at: location, cancel: cancel) }
            throw Problem.unavailable("charge request \(id) is being admitted; retry", retryAfterSeconds: 1)
        case .ended(let ending, let entry):
            return try WireJSON.response(QueuedChargeRequest(entry, status: ending.rawValue, position: nil, estimatedStartAt: nil))
        case nil:
            throw Problem.notFound("no charge request \(id)")
        }
    }

    private func cancelWaiting(_ id: String, now: Double) async throws -> WaitingLine.Entry? {
        do {
            return try await waitingList.cancel(id, now: now)
        } catch {
            throw Problem.storageUnavailable("the gateway could not record the cancellation; retry")
        }
    }

    private func grid() async throws -> Response {
        let answer: UpstreamResponse
        do throws(UpstreamFailure) {
            answer = try await balancer.substations()
        } catch {
            throw Self.problem(for: error, upstream: "balancer")
        }
        guard answer.status == 200, let view = try? WireJSON.decoder.decode(GridSummary.self, from: answer.data) else {
            throw Problem.badGateway("the balancer's view could not be read")
        }
        return try WireJSON.response(view)
    }

    static func problem(for failure: UpstreamFailure, upstream: String) -> Problem {
        switch failure {
        case .timedOut: .gatewayTimeout("the \(upstream) did not answer in time")
        case .refused: .badGateway("the \(upstream) cannot be reached (connection refused)")
        case .unreachable: .badGateway("the \(upstream) cannot be reached")
        }
    }

    static func passThrough(_ answer: UpstreamResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.headers.first(name: "Content-Type") ?? "application/json"
        if let retryAfter = answer.headers.first(name: "Retry-After") {
            headers[.retryAfter] = retryAfter
        }
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: answer.body))
    }
}

extension WireAnswer {
    /// A booking answer sent again for a retry with the same `Idempotency-Key`.
    func replayed() -> WireAnswer {
        var answer = self
        answer.headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
        return answer
    }
}

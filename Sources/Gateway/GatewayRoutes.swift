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
    /// The last five minutes of the grid, for dashboards opened mid-run.
    let history: GridHistoryRecorder
    let tally = AnswerTally()
    static let chargeRequests = "/api/v1/charge-requests"

    func add(to router: Router<GatewayRequestContext>) {
        router.post(RouterPath(Self.chargeRequests)) { request, _ in try await chargeRequest(request) }
        router.get(RouterPath(Self.chargeRequests + "/:id")) { _, context in
            try await forward(id: try context.parameters.require("id"), cancel: false)
        }
        router.delete(RouterPath(Self.chargeRequests + "/:id")) { _, context in
            try await forward(id: try context.parameters.require("id"), cancel: true)
        }
        router.get("/api/v1/grid") { _, _ in try await grid() }
        // The original assignment's endpoint: no body needed, an ordinary AC charge.
        router.post("/request_charge") { _, _ in
            try await book(.legacyDefault(vehicleId: "EV-" + UUID().uuidString.prefix(8).lowercased()))
        }
        router.get("/health") { _, _ in try WireJSON.response(["status": "ok", "service": "gateway"]) }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/api/v1/grid/history") { _, _ in try WireJSON.response(history.current) }
        router.get("/api/v1/grid/stream") { _, _ in GridStream(balancer: balancer, tally: tally, history: history).response() }
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

    /// A booking answer that can be sent now and again (for an idempotent retry).
    struct BookingAnswer: Sendable {
        var status: Int
        var headers: HTTPFields
        var body: ByteBuffer

        func response(replayed: Bool = false) -> Response {
            var headers = headers
            if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
        }
    }

    private func book(_ chargeRequest: ChargeRequest) async throws -> Response {
        try await bookAnswer(chargeRequest).response()
    }

    /// `POST /api/v1/charge-requests`, with `Idempotency-Key` honoured: the same key and body get
    /// the first answer again and book nothing; the same key with another body is a 422.
    private func chargeRequest(_ request: Request) async throws -> Response {
        let json = try await WireJSON.readObject(from: request)
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return try await book(json) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem.invalidRequest([FieldError(field: "Idempotency-Key", message: "must be 1-255 visible ASCII characters")])
        }
        let fingerprint = String(decoding: (try? WireJSON.encoder.encode(json)) ?? Data(), as: UTF8.self)
        switch idempotency.check(key: key, fingerprint: fingerprint) {
        case .replay(let answer):
            return answer.response(replayed: true)
        case .conflict:
            throw Problem(
                status: .unprocessableContent, slug: "idempotency-key-reused", title: "Idempotency key reused",
                detail: "this Idempotency-Key was used with another body")
        case .inProgress:
            throw Problem(
                status: .conflict, slug: "idempotency-key-in-progress", title: "Request in progress",
                detail: "a request with this Idempotency-Key is still being answered; retry shortly")
        case .proceed:
            do {
                let answer = try await bookAnswer(validated(json))
                // A full grid may have room on the next try: only final answers are kept.
                if answer.status == 503 {
                    idempotency.abandon(key: key)
                } else {
                    await idempotency.record(key: key, fingerprint: fingerprint, answer: answer)
                }
                return answer.response()
            } catch {
                idempotency.abandon(key: key)
                throw error
            }
        }
    }

    private func book(_ json: JSONValue) async throws -> Response {
        try await book(validated(json))
    }

    private func validated(_ json: JSONValue) throws -> ChargeRequest {
        switch ChargeRequest.validate(json) {
        case .success(let chargeRequest): return chargeRequest
        case .failure(let failure): throw Problem.invalidRequest(failure.errors)
        }
    }

    private func bookAnswer(_ chargeRequest: ChargeRequest) async throws -> BookingAnswer {
        let order = SessionOrder(id: UUID().uuidString.lowercased(), request: chargeRequest)
        let answer: UpstreamResponse
        do throws(UpstreamFailure) {
            answer = try await balancer.route(order)
        } catch {
            throw Self.problem(for: error, upstream: "balancer")
        }
        switch answer.status {
        case 201:
            guard let session = try? WireJSON.decoder.decode(SessionResource.self, from: answer.data),
                let substationURL = answer.headers.first(name: "Substation-URL")
            else {
                throw Problem.badGateway("the balancer's answer could not be read")
            }
            try await remember(session, at: substationURL)
            tally.count(status: 201)
            var headers = HTTPFields()
            headers[.location] = "\(Self.chargeRequests)/\(session.id)"
            headers[.contentType] = "application/json"
            return BookingAnswer(status: 201, headers: headers, body: ByteBuffer(bytes: try WireJSON.encoder.encode(session)))
        case 400...499, 503:
            tally.count(status: answer.status)
            var headers = HTTPFields()
            headers[.contentType] = answer.headers.first(name: "Content-Type") ?? Problem.mediaType
            if let retryAfter = answer.headers.first(name: "Retry-After") { headers[.retryAfter] = retryAfter }
            return BookingAnswer(status: answer.status, headers: headers, body: answer.body)
        default:
            throw Problem.badGateway("the balancer answered \(answer.status)")
        }
    }

    /// Records where a booked session lives before anyone hears of it. If that fails, the
    /// booking is undone (best effort) and the client told to retry: no 201 the gateway could forget.
    private func remember(_ session: SessionResource, at substationURL: String) async throws {
        do {
            try await directory.record(session.id, at: SessionLocation(substationId: session.substationId, substationURL: substationURL))
        } catch {
            _ = try? await balancer.cancelSession(session.id, at: substationURL)
            throw Problem.storageUnavailable("the gateway could not record the booking, so it was undone; retry")
        }
    }

    private func forward(id: String, cancel: Bool) async throws -> Response {
        let stored: SessionLocation?
        do {
            stored = try await directory.location(of: id)
        } catch {
            throw Problem.storageUnavailable("the gateway could not read where charge request \(id) lives; retry")
        }
        guard let location = stored else {
            throw Problem.notFound("no charge request \(id)")
        }
        let answer: UpstreamResponse
        do throws(UpstreamFailure) {
            answer =
                cancel
                ? try await balancer.cancelSession(id, at: location.substationURL)
                : try await balancer.session(id, at: location.substationURL)
        } catch {
            throw Self.problem(for: error, upstream: "substation \(location.substationId)")
        }
        switch answer.status {
        case 200: return Self.passThrough(answer)
        case 404: throw Problem.badGateway("substation \(location.substationId) no longer knows charge request \(id)")
        default: throw Problem.badGateway("substation \(location.substationId) answered \(answer.status)")
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

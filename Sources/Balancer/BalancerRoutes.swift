import Foundation
import GridCore
import GridHTTP
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// The balancer's HTTP API: `POST /route`, `GET /substations`, the admin API, `/health`.
struct BalancerRoutes: Sendable {
    let state: BalancerState
    let dispatcher: Dispatcher
    let adminToken: String?
    let loadSource: String
    let desk: SessionDesk
    /// What a client is told to wait before retrying when no substation has room and none says
    /// when its sessions end.
    static let retryAfterSeconds = 5

    /// Seconds until the next point frees on a substation that takes cars (up, not drained),
    /// from the session endings they export; the constant when none says.
    static func retryAfter(_ state: BalancerState) -> Int {
        let endings = state.view.substations
            .filter { $0.health.isUp && !$0.drained && !$0.retired }
            .compactMap { $0.figures?.endings }
        guard !endings.isEmpty, let seconds = endings.reduce(SessionEndings(), +).secondsUntilFree(position: 1) else {
            return Self.retryAfterSeconds
        }
        return min(3600, max(1, Int(seconds.rounded(.up))))
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("/route") { request, _ in try await route(request) }
        router.get("/substations") { _, _ in try WireJSON.response(currentView()) }
        // Sessions by the id of their substation, and (for an order whose fate is unknown) anywhere.
        router.get("/substations/:substation/sessions/:id") { _, context in
            try await answer(desk.session(.GET, id: try Self.id(context), on: try context.parameters.require("substation")))
        }
        router.delete("/substations/:substation/sessions/:id") { _, context in
            try await answer(desk.session(.DELETE, id: try Self.id(context), on: try context.parameters.require("substation")))
        }
        router.get("/sessions/:id") { _, context in try await answer(desk.anywhere(.GET, id: try Self.id(context))) }
        router.delete("/sessions/:id") { _, context in try await answer(desk.anywhere(.DELETE, id: try Self.id(context))) }
        router.get("/health") { _, _ in
            try WireJSON.response(["status": "ok", "service": "balancer", "policy": state.policy.rawValue])
        }
        let admin = router.group("/admin").add(middleware: BearerTokenMiddleware(token: adminToken))
        admin.post("/substations/:id/drain") { _, context in try setDrained(context, true) }
        admin.post("/substations/:id/undrain") { _, context in try setDrained(context, false) }
        admin.put("/policy") { request, _ in
            let json = try await WireJSON.readObject(from: request)
            guard case .string(let name) = json["policy"], let policy = PolicyName(rawValue: name) else {
                let names = PolicyName.allCases.map(\.rawValue).joined(separator: ", ")
                throw Problem.invalidRequest([FieldError(field: "policy", message: "must be one of \(names)")])
            }
            state.setPolicy(policy)
            return try WireJSON.response(currentView())
        }
    }

    func currentView() -> BalancerView {
        let now = state.now
        return BalancerView(
            policy: state.policy, loadSource: loadSource,
            substations: state.view.substations.filter { !$0.vacant }.map { SubstationStatus($0, now: now) },
            recentDecisions: state.recentDecisions)
    }

    static func id(_ context: BasicRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        guard ChargeRequest.isValidIdentifier(id) else { throw Problem.notFound("no session \(id)") }
        return id
    }

    private func answer(_ answer: SessionDesk.Answer) throws -> Response {
        switch answer {
        case .substation(let upstream):
            var headers = HTTPFields()
            headers[.contentType] = upstream.headers.first(name: "Content-Type") ?? "application/json"
            return Response(status: .init(code: upstream.status), headers: headers, body: .init(byteBuffer: upstream.body))
        case .unknownEverywhere:
            throw Problem.notFound("no substation holds this session")
        case .unknownSubstation:
            throw Problem.unavailable("no substation with that id is known now; retry", retryAfterSeconds: 1)
        case .unreachable(let substations):
            throw Problem.badGateway("substations \(substations.joined(separator: ", ")) could not be asked")
        }
    }

    private func setDrained(_ context: BasicRequestContext, _ drained: Bool) throws -> Response {
        let id = try context.parameters.require("id")
        let found = state.withView { view -> Bool in
            guard let index = view.index(ofSubstationId: id) else { return false }
            view.setDrained(index, drained)
            return true
        }
        guard found else { throw Problem.notFound("no substation \(id)") }
        return try WireJSON.response(currentView())
    }

    /// `POST /route` from a body read whole to its answer, for requests the lane leaves to the
    /// router (`FastLane` answers the rest with `routeOnLoop`).
    nonisolated(nonsending) func route(contentType: String?, body: ByteBuffer) async -> WireAnswer {
        switch order(contentType: contentType, body: body) {
        case .success(let order): return Self.answer(await dispatcher.place(order), state: state)
        case .failure(let problem): return WireAnswer(problem)
        }
    }

    /// `POST /route` started on the event loop that read it: a car the first substation asked
    /// admits over an idle link on that loop is answered without a task (`Dispatcher.placeOnLoop`).
    func routeOnLoop(contentType: String?, body: ByteBuffer, respond: @escaping @Sendable (WireAnswer) -> Void) {
        switch order(contentType: contentType, body: body) {
        case .success(let order):
            // The state alone, not a copy of the routes, goes with the answer.
            dispatcher.placeOnLoop(order) { [state] in respond(Self.answer($0, state: state)) }
        case .failure(let problem): respond(WireAnswer(problem))
        }
    }

    private func order(contentType: String?, body: ByteBuffer) -> Result<SessionOrder, Problem> {
        Result { () throws(Problem) in try SessionOrder.read(contentType: contentType, body: body, newID: { RandomUUID.text() }) }
    }

    private static func answer(_ outcome: Dispatcher.Outcome, state: BalancerState) -> WireAnswer {
        switch outcome {
        case .admitted(let answer, _):
            return WireAnswer(status: .created, contentType: "application/json", body: answer.body)
        case .invalid(let answer):
            return WireAnswer(
                status: .init(code: answer.status), contentType: answer.headers.first(name: "Content-Type") ?? Problem.mediaType,
                body: answer.body)
        case .noCapacity(let detail):
            return WireAnswer(Problem.noCapacity(detail, retryAfterSeconds: retryAfter(state)))
        case .fateUnknown(let detail):
            // 504, not 503: the gateway keeps the order for its retry to resolve instead of placing a second one.
            return WireAnswer(Problem.gatewayTimeout(detail))
        }
    }

    /// The lane that serves `POST /route` off the event loop, in front of the router.
    var fastLane: FastLane.Route {
        FastLane.Route(
            method: .POST, path: "/route",
            answering: .onLoop { request, respond in
                routeOnLoop(contentType: request.contentType, body: request.body, respond: respond)
            })
    }

    private func route(_ request: Request) async throws -> Response {
        let body = try await WireJSON.readBody(from: request)
        return await route(contentType: request.headers[.contentType], body: body).response
    }
}

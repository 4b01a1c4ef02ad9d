import Foundation
import GridCore
import GridHTTP
import HTTPTypes
import Hummingbird
import NIOHTTP1

/// The balancer's HTTP API: `POST /route`, `GET /substations`, the admin API, `/health`.
struct BalancerRoutes: Sendable {
    let state: BalancerState
    let dispatcher: Dispatcher
    let adminToken: String?
    let loadSource: String
    /// What a client is told to wait before retrying when no substation has room.
    static let retryAfterSeconds = 5
    /// Header naming the substation that admitted a session, for the gateway's later GET/DELETE.
    static let substationURLHeader = HTTPField.Name("Substation-URL")!

    func add(to router: Router<BasicRequestContext>) {
        router.post("/route") { request, _ in try await route(request) }
        router.get("/substations") { _, _ in try WireJSON.response(currentView()) }
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

    private func route(_ request: Request) async throws -> Response {
        let json = try await WireJSON.readObject(from: request)
        let order: SessionOrder
        switch SessionOrder.validate(json, newID: { UUID().uuidString.lowercased() }) {
        case .success(let valid): order = valid
        case .failure(let failure): throw Problem.invalidRequest(failure.errors)
        }
        switch await dispatcher.place(order) {
        case .admitted(let answer, let url):
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.location] = "\(url)/sessions/\(order.id)"
            headers[Self.substationURLHeader] = url
            return Response(status: .created, headers: headers, body: .init(byteBuffer: answer.body))
        case .invalid(let answer):
            var headers = HTTPFields()
            headers[.contentType] = answer.headers.first(name: "Content-Type") ?? Problem.mediaType
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: answer.body))
        case .noCapacity(let detail):
            throw Problem.noCapacity(detail, retryAfterSeconds: Self.retryAfterSeconds)
        }
    }
}

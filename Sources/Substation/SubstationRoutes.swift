import Foundation
import GridCore
import GridHTTP
import Hummingbird

/// The substation's HTTP API over its live state.
struct SubstationRoutes: Sendable {
    let state: SubstationState
    let substationId: String
    /// Where admissions and cancellations are written before they are answered; nil keeps nothing.
    let journal: SubstationJournal?

    func add(to router: Router<BasicRequestContext>) {
        router.post("/sessions") { request, _ in try await admit(request) }
        router.get("/sessions/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let session = state.session(id: id) else { throw Problem.notFound("no session \(id) at substation \(substationId)") }
            return try WireJSON.response(SessionResource(session, substationId: substationId))
        }
        router.delete("/sessions/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let session = state.cancel(id: id) else { throw Problem.notFound("no session \(id) at substation \(substationId)") }
            try? await journal?.record([session])
            return try WireJSON.response(SessionResource(session, substationId: substationId))
        }
        router.get("/health") { _, _ in
            try WireJSON.response(["status": "ok", "service": "substation", "substation": substationId])
        }
    }

    /// Writes an admission down before it is answered; if that fails, the admission is undone.
    private func keep(_ session: ChargingSession) async throws {
        guard let journal else { return }
        do {
            try await journal.record([session])
            try await journal.record(state.totals())
        } catch {
            _ = state.cancel(id: session.id)
            throw Problem.storageUnavailable("substation \(substationId) could not record the session, so it was not admitted; retry")
        }
    }

    private func admit(_ request: Request) async throws -> Response {
        let json = try await WireJSON.readObject(from: request)
        let order: SessionOrder
        switch SessionOrder.validate(json, newID: { UUID().uuidString.lowercased() }) {
        case .success(let valid): order = valid
        case .failure(let failure): throw Problem.invalidRequest(failure.errors)
        }
        switch state.admit(order) {
        case .success(let session):
            try await keep(session)
            var headers = HTTPFields()
            headers[.location] = "/sessions/\(session.id)"
            return try WireJSON.response(SessionResource(session, substationId: substationId), status: .created, headers: headers)
        case .failure(let refusal):
            throw Problem(
                status: .conflict, slug: refusal.reason, title: "Substation \(substationId) cannot admit this session",
                detail: refusal.detail, reason: refusal.reason)
        }
    }
}

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
    /// The substation's real charge points, if it has some: bookings then reserve a connector.
    let hub: ChargePointHub?

    func add(to router: Router<BasicRequestContext>) {
        router.post("/sessions") { request, _ in try await admit(request) }
        router.get("/sessions/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let session = state.session(id: id) else { throw Problem.notFound("no session \(id) at substation \(substationId)") }
            return try WireJSON.response(resource(session))
        }
        router.delete("/sessions/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let session = state.cancel(id: id) else { throw Problem.notFound("no session \(id) at substation \(substationId)") }
            try? await journal?.record([session])
            return try WireJSON.response(resource(session))
        }
        router.get("/health") { _, _ in
            try WireJSON.response(["status": "ok", "service": "substation", "substation": substationId])
        }
    }

    /// The session as answered, naming its charge point and connector when it has one.
    private func resource(_ session: ChargingSession) -> SessionResource {
        var resource = SessionResource(session, substationId: substationId)
        if let booking = hub?.booking(of: session.id) {
            resource.chargePointId = booking.chargePointId
            resource.connectorId = booking.connectorId
            resource.transactionId = booking.transactionId
        }
        return resource
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
        let admission: Result<ChargingSession, AdmissionRefusal>
        if let hub {
            switch await hub.book(order) {
            case .booked(let session, _): admission = .success(session)
            case .refused(let refusal): admission = .failure(refusal)
            case .noFreeConnector:
                throw Problem(
                    status: .conflict, slug: "no-free-connector", title: "Substation \(substationId) cannot admit this session",
                    detail: "no connector is free at a connected charge point", reason: "no-free-connector")
            case .chargerDeclined(let chargePointId):
                throw Problem(
                    status: .conflict, slug: "reservation-declined", title: "Substation \(substationId) cannot admit this session",
                    detail: "charge point \(chargePointId) did not accept the reservation", reason: "reservation-declined")
            }
        } else {
            admission = state.admit(order)
        }
        switch admission {
        case .success(let session):
            try await keep(session)
            var headers = HTTPFields()
            headers[.location] = "/sessions/\(session.id)"
            return try WireJSON.response(resource(session), status: .created, headers: headers)
        case .failure(let refusal):
            throw Problem(
                status: .conflict, slug: refusal.reason, title: "Substation \(substationId) cannot admit this session",
                detail: refusal.detail, reason: refusal.reason)
        }
    }
}

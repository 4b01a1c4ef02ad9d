import Foundation
import GridCore
import GridHTTP
import HTTPTypes
import Hummingbird

/// The substation's HTTP API over its live state.
struct SubstationRoutes: Sendable {
    let state: SubstationState
    let substationId: String
    /// Where admissions and cancellations are written before they are answered; nil keeps nothing.
    let journal: SubstationJournal?
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    /// The substation's real charge points, if it has some: bookings then reserve a connector.
    let hub: ChargePointHub?

    func add(to router: Router<BasicRequestContext>) {
        router.post("/sessions") { request, _ in try await admit(request) }
        router.get("/sessions/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let session = state.session(id: id) else { throw Problem.notFound("no session \(id) at substation \(substationId)") }
            return try WireJSON.response(resource(session))
        }
        router.delete("/sessions/:id") { _, context in try await withdraw(try context.parameters.require("id")) }
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
        guard let journal else { return state.recorded(id: session.id) }
        do {
            try await journal.record([session])
            state.recorded(id: session.id)
        } catch {
            state.cancel(id: session.id)
            throw Problem.storageUnavailable("substation \(substationId) could not record the session, so it was not admitted; retry")
        }
    }

    /// `DELETE /sessions/{id}`: ends the session, or leaves a tombstone for an id never seen (404),
    /// and answers only once the journal has it: a crash cannot bring either back.
    private func withdraw(_ id: String) async throws -> Response {
        let withdrawal = state.withdraw(id: id)
        do {
            switch withdrawal {
            case .ended(let session): try await journal?.record([session])
            case .withdrawnUnseen: try await journal?.recordWithdrawal(of: id)
            }
        } catch {
            throw Problem.storageUnavailable("substation \(substationId) could not record the cancellation of \(id); retry")
        }
        switch withdrawal {
        case .ended(let session): return try WireJSON.response(resource(session))
        case .withdrawnUnseen: throw Problem.notFound("no session \(id) at substation \(substationId); it can no longer start here")
        }
    }

    private func admit(_ request: Request) async throws -> Response {
        let body = try await WireJSON.readBody(from: request)
        let order = try SessionOrder.read(contentType: request.headers[.contentType], body: body, newID: { RandomUUID.text() })
        var headers = HTTPFields()
        headers[.location] = "/sessions/\(order.id)"
        let admission: SubstationState.Admission
        if let hub {
            switch await hub.book(order) {
            case .booked(let session, _): admission = .admitted(session)
            case .refused(let refusal): admission = .refused(refusal)
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
        case .admitted(let session):
            try await keep(session)
            return try WireJSON.response(resource(session), status: .created, headers: headers)
        case .beingRecorded:
            throw Problem.unavailable("order \(order.id) is being recorded; retry", retryAfterSeconds: 1)
        case .alreadyAdmitted(let session):
            headers[Self.replayedHeader] = "true"
            return try WireJSON.response(resource(session), status: .created, headers: headers)
        case .refused(let refusal):
            throw Problem(
                status: .conflict, slug: refusal.reason, title: "Substation \(substationId) cannot admit this session",
                detail: refusal.detail, reason: refusal.reason)
        }
    }
}

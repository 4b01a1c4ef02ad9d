import Foundation
import GridCore

/// A charging session as the substation, the balancer and the gateway show it (CONTRACT section 3).
public struct SessionResource: Codable, Equatable, Sendable {
    public var id: String
    public var vehicleId: String
    public var substationId: String
    public var status: ChargingSession.Status
    public var energyRequestedKWh: Double
    public var energyDeliveredKWh: Double
    public var powerKW: Double
    public var createdAt: String
    /// For a session at a substation with real charge points: the charge point and connector
    /// reserved for it, and the transaction it became once the car started charging.
    public var chargePointId: String?
    public var connectorId: Int?
    public var transactionId: String?

    public init(_ session: ChargingSession, substationId: String) {
        self.id = session.id
        self.vehicleId = session.vehicleId
        self.substationId = substationId
        self.status = session.status
        self.energyRequestedKWh = session.energyRequestedKWh
        self.energyDeliveredKWh = (session.energyDeliveredKWh * 1000).rounded() / 1000
        self.powerKW = (session.powerKW * 1000).rounded() / 1000
        self.createdAt = RFC3339Timestamp.string(epochSeconds: session.createdAtEpochSeconds)
    }
}

/// The body of `POST /sessions` and `POST /route`: a charge request with the id the session
/// will have everywhere (the gateway chooses it, so a retry can never book twice under two ids).
public struct SessionOrder: Codable, Equatable, Sendable {
    public var id: String
    public var request: ChargeRequest

    public init(id: String, request: ChargeRequest) {
        self.id = id
        self.request = request
    }

    public func encode(to encoder: any Encoder) throws {
        try request.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decode(String.self, forKey: .id)
        self.request = try ChargeRequest(from: decoder)
    }

    enum CodingKeys: String, CodingKey { case id }

    private static let idField: Set<String> = ["id"]

    /// Validates a parsed body: the request's fields, plus an optional `id` (a fresh one if absent).
    public static func validate(_ json: JSONValue, newID: () -> String) -> Result<SessionOrder, ValidationFailure> {
        guard case .object(let fields) = json else {
            return ChargeRequest.validate(json).map { SessionOrder(id: newID(), request: $0) }
        }
        var id: String?
        var idErrors: [FieldError] = []
        if let given = fields["id"] {
            if case .string(let text) = given, ChargeRequest.isValidIdentifier(text) {
                id = text
            } else {
                idErrors.append(FieldError(field: "id", message: "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"))
            }
        }
        switch ChargeRequest.validate(json, alsoAllowing: Self.idField) {
        case .success(let request) where idErrors.isEmpty:
            return .success(SessionOrder(id: id ?? newID(), request: request))  // a fresh id only when none was given
        case .success:
            return .failure(ValidationFailure(idErrors))
        case .failure(let failure):
            return .failure(ValidationFailure(idErrors + failure.errors))
        }
    }
}

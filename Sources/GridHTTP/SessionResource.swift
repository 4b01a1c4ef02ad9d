import Foundation
import GridCore
import NIOCore

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
    public let id: String
    public let request: ChargeRequest
    /// The body this order was read from, when that body named the order's id, had the plain
    /// shape and is small (`read`): the order goes on as those bytes (`jsonBody`), since whoever
    /// receives it reads the same order from them with the same parser. Not part of what the
    /// order is (`==`).
    let readFrom: ByteBuffer?
    /// The largest body an order goes on as: an order's own fields take about 130 bytes, and a
    /// body padded far beyond that is written afresh rather than sent on to every substation tried.
    static let forwardedBodyLimit = 512

    public init(id: String, request: ChargeRequest) {
        self.init(id: id, request: request, readFrom: nil)
    }

    private init(id: String, request: ChargeRequest, readFrom: ByteBuffer?) {
        self.id = id
        self.request = request
        self.readFrom = readFrom
    }

    public static func == (left: SessionOrder, right: SessionOrder) -> Bool {
        left.id == right.id && left.request == right.request
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
        self.readFrom = nil
    }

    enum CodingKeys: String, CodingKey { case id }

    private static let idField: Set<String> = ["id"]

    /// Validates a parsed body: the request's fields, plus an optional `id` (a fresh one if absent).
    public static func validate(_ json: JSONValue, newID: () -> String) -> Result<SessionOrder, ValidationFailure> {
        guard case .object(let fields) = json else {
            return ChargeRequest.validate(json).map { SessionOrder(id: newID(), request: $0) }
        }
        return validate(id: fields["id"], request: ChargeRequest.validate(json, alsoAllowing: Self.idField), newID: newID)
    }

    /// An order's keys, for reading a plain body without a tree.
    private static let plainKeys = ChargeRequest.plainKeys(adding: ["id"])

    /// Validates a body read straight from its bytes, as `validate(_:newID:)` does the parsed
    /// body, when it has the plain shape orders have (`StrictJSONParser.flatObject`); nil for
    /// any other body, which the caller parses and validates whole.
    public static func validate(plain bytes: UnsafeRawBufferPointer, newID: () -> String) -> Result<SessionOrder, ValidationFailure>? {
        guard let values = StrictJSONParser.flatObject(bytes, keys: plainKeys) else { return nil }
        return validate(id: values[4], request: ChargeRequest.validate(plainValues: values), newID: newID)
    }

    private static func validate(
        id given: JSONValue?, request: Result<ChargeRequest, ValidationFailure>, newID: () -> String
    ) -> Result<SessionOrder, ValidationFailure> {
        var id: String?
        var idErrors: [FieldError] = []
        if let given {
            if case .string(let text) = given, ChargeRequest.isValidIdentifier(text) {
                id = text
            } else {
                idErrors.append(FieldError(field: "id", message: "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"))
            }
        }
        switch request {
        case .success(let request) where idErrors.isEmpty:
            return .success(SessionOrder(id: id ?? newID(), request: request))  // a fresh id only when none was given
        case .success:
            return .failure(ValidationFailure(idErrors))
        case .failure(let failure):
            return .failure(ValidationFailure(idErrors + failure.errors))
        }
    }

    /// An order from a request body: 415 unless JSON, 400 (malformed JSON) unless it parses, 400
    /// (invalid request, every bad field named) unless it is a valid order. A body of the plain
    /// shape is read without building a JSON tree.
    public static func read(contentType: String?, body: ByteBuffer, newID: () -> String) throws(Problem) -> SessionOrder {
        guard let contentType, WireJSON.isJSON(contentType) else { throw Problem.unsupportedMediaType(contentType) }
        var madeID = false
        let validated: Result<SessionOrder, ValidationFailure>
        if let plain = body.withUnsafeReadableBytes({
            validate(
                plain: $0,
                newID: {
                    madeID = true
                    return newID()
                })
        }) {
            // The body named the id when none had to be made.
            let keepsBody = !madeID && body.readableBytes <= Self.forwardedBodyLimit
            validated = plain.map { keepsBody ? SessionOrder(id: $0.id, request: $0.request, readFrom: body) : $0 }
        } else {
            validated = validate(try WireJSON.parse(body), newID: newID)
        }
        return try validated.mapError { Problem.invalidRequest($0.errors) }.get()
    }
}

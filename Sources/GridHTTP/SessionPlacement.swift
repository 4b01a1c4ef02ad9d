import GridCore
import NIOCore

/// What the gateway and the balancer read from a substation's session JSON: the session, where it
/// lives, and its state. Read with the strict parser into a `JSONValue` rather than decoded with
/// `JSONDecoder`, which took about 4% of the gateway's CPU per booking in the profile; the body
/// itself is passed on to the client as the substation wrote it.
public struct SessionPlacement: Equatable, Sendable {
    public var id: String
    public var substationId: String
    public var status: ChargingSession.Status

    public init(id: String, substationId: String, status: ChargingSession.Status) {
        self.id = id
        self.substationId = substationId
        self.status = status
    }

    /// Nil unless the body is a JSON object with string fields `id`, `substationId` and a known `status`.
    public init?(json body: ByteBuffer) {
        // A session as substations write it is read without a tree; any other body is parsed whole.
        let fields: (id: JSONValue?, substationId: JSONValue?, status: JSONValue?)
        if let values = body.withUnsafeReadableBytes({ StrictJSONParser.flatObject($0, keys: Self.sessionKeys) }) {
            fields = (values[0], values[1], values[2])
        } else if let json = try? WireJSON.parse(body) {
            fields = (json["id"], json["substationId"], json["status"])
        } else {
            return nil
        }
        guard case .string(let id)? = fields.id, case .string(let substationId)? = fields.substationId,
            case .string(let statusName)? = fields.status, let status = ChargingSession.Status(rawValue: statusName)
        else { return nil }
        self.init(id: id, substationId: substationId, status: status)
    }

    /// The keys of a `SessionResource`; the values of the first three are read, the others checked.
    static let sessionKeys = StrictJSONParser.FlatKeys(
        [
            "id", "substationId", "status", "vehicleId", "energyRequestedKWh", "energyDeliveredKWh", "powerKW", "createdAt",
            "chargePointId", "connectorId", "transactionId",
        ], reading: 3)
}

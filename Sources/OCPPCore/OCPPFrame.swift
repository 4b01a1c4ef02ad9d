import GridCore

/// One OCPP-J message: `[2, id, action, payload]` (CALL), `[3, id, payload]` (CALLRESULT) or
/// `[4, id, code, description, details]` (CALLERROR).
public enum OCPPFrame: Equatable, Sendable {
    case call(id: String, action: String, payload: JSONValue)
    case callResult(id: String, payload: JSONValue)
    case callError(id: String, code: String, description: String)

    /// A frame that could not be read: the id to answer to when it could be found, and why.
    public struct Malformed: Error, Equatable, Sendable {
        /// "-1" when the message id cannot be read (as OCPP 2.0.1 says to answer then).
        public var messageId: String
        public var reason: String
    }

    /// Reads a text frame, strictly (no duplicate keys, no bad UTF-8, bounded depth).
    public static func parse(_ text: String) -> Result<OCPPFrame, Malformed> {
        let json: JSONValue
        do {
            json = try StrictJSONParser.parse(Array(text.utf8))
        } catch {
            return .failure(Malformed(messageId: "-1", reason: "not JSON: \(error)"))
        }
        guard case .array(let items) = json, let first = items.first, case .number(let type) = first else {
            return .failure(Malformed(messageId: "-1", reason: "not an OCPP-J message array"))
        }
        guard items.count >= 2, case .string(let id) = items[1], !id.isEmpty, id.count <= 36 else {
            return .failure(Malformed(messageId: "-1", reason: "no message id"))
        }
        switch (type, items.count) {
        case (2, 4):
            guard case .string(let action) = items[2] else {
                return .failure(Malformed(messageId: id, reason: "the action is not a string"))
            }
            guard case .object = items[3] else { return .failure(Malformed(messageId: id, reason: "the payload is not an object")) }
            return .success(.call(id: id, action: action, payload: items[3]))
        case (3, 3):
            return .success(.callResult(id: id, payload: items[2]))
        case (4, 4), (4, 5):
            guard case .string(let code) = items[2] else {
                return .failure(Malformed(messageId: id, reason: "the error code is not a string"))
            }
            if case .string(let description) = items[3] { return .success(.callError(id: id, code: code, description: description)) }
            return .success(.callError(id: id, code: code, description: ""))
        default:
            return .failure(Malformed(messageId: id, reason: "message type \(type) with \(items.count) elements"))
        }
    }

    /// The frame as the text sent on the wire.
    public var text: String {
        switch self {
        case .call(let id, let action, let payload):
            "[2,\(JSONText.encode(.string(id))),\(JSONText.encode(.string(action))),\(JSONText.encode(payload))]"
        case .callResult(let id, let payload):
            "[3,\(JSONText.encode(.string(id))),\(JSONText.encode(payload))]"
        case .callError(let id, let code, let description):
            "[4,\(JSONText.encode(.string(id))),\(JSONText.encode(.string(code))),\(JSONText.encode(.string(description))),{}]"
        }
    }
}

/// Why a CALL was refused with a CALLERROR, spelled as each version's specification spells it.
public enum OCPPErrorCode: Equatable, Sendable {
    /// The frame is not JSON or not an OCPP-J message array.
    case formatViolation
    /// The action is not one this central system knows.
    case notImplemented
    /// The payload lacks a required field.
    case protocolError
    /// A field has the wrong JSON type.
    case typeConstraintViolation
    /// A field holds a value outside what the specification allows.
    case propertyConstraintViolation
    case internalError

    public func name(in version: OCPPVersion) -> String {
        switch self {
        // OCPP 1.6 says "FormationViolation"; 2.0.1 renamed it "FormatViolation".
        case .formatViolation: version == .v16 ? "FormationViolation" : "FormatViolation"
        case .notImplemented: "NotImplemented"
        case .protocolError: "ProtocolError"
        case .typeConstraintViolation: "TypeConstraintViolation"
        case .propertyConstraintViolation: "PropertyConstraintViolation"
        case .internalError: "InternalError"
        }
    }
}

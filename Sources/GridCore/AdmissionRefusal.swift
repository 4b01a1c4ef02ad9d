/// Why a substation will not take a session; the service answers 409 with this reason.
public enum AdmissionRefusal: Error, Equatable, Sendable {
    case noFreeChargingPoint(points: Int)
    /// Admitting would leave some session below the minimum power.
    case insufficientPower(minimumShareKW: Double)
    case duplicateSession(id: String)

    public var reason: String {
        switch self {
        case .noFreeChargingPoint: "no-free-charging-point"
        case .insufficientPower: "insufficient-power"
        case .duplicateSession: "duplicate-session"
        }
    }

    public var detail: String {
        switch self {
        case .noFreeChargingPoint(let points):
            "all \(points) charging points are in use"
        case .insufficientPower(let share):
            "admitting this session would leave a session with \(Self.format(share)) kW, below the \(SubstationSpec.minimumSessionPowerKW) kW minimum"
        case .duplicateSession(let id):
            "a session with id \(id) already exists"
        }
    }

    private static func format(_ value: Double) -> String {
        String(Double(Int(value * 100)) / 100)
    }
}

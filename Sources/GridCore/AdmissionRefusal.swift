/// Why a substation will not take a session; the service answers 409 with this reason.
public enum AdmissionRefusal: Error, Equatable, Sendable {
    case noFreeChargingPoint(points: Int)
    /// Admitting would leave some session below the minimum power.
    case insufficientPower(minimumShareKW: Double)
    case duplicateSession(id: String)
    /// The order was withdrawn (DELETE) before it arrived: it must never start.
    case withdrawnOrder(id: String)

    public var reason: String {
        switch self {
        case .noFreeChargingPoint: "no-free-charging-point"
        case .insufficientPower: "insufficient-power"
        case .duplicateSession: "duplicate-session"
        case .withdrawnOrder: "withdrawn-order"
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
        case .withdrawnOrder(let id):
            "order \(id) was withdrawn before it arrived"
        }
    }

    private static func format(_ value: Double) -> String {
        String(Double(Int(value * 100)) / 100)
    }
}

/// How a substation shares the power it has for EVs (capacity minus base load) among its sessions.
///
/// Every allocation keeps the same invariants: the total never exceeds the power available, no
/// session gets more than its requested power, and every session first gets the admission
/// floor (`min(requested, floor)`) whenever the power available covers all the floors, so the
/// admission promise holds whatever the policy. What is left is shared the allocation's way.
/// The live substation and the policy lab run this very code.
///
/// A session without a departure time is taken to stay until it is full: deadline-aware
/// allocations serve it after every session that has a departure time, and such sessions share
/// what is left equally (water-filling), so with no departure times at all every allocation
/// shares as water-filling does.
public enum PowerAllocation: String, CaseIterable, Codable, Sendable {
    /// Equal shares up to each session's request (ACN-Sim's round robin): ignores departures.
    case waterFilling = "water-filling"
    /// Earliest departure first, each at its full requested power, until the power runs out.
    case edf
    /// Least laxity (time left minus time needed at full power) first, each at its full power.
    case llf
    /// Plans ahead for the sessions present: first the power each must get now so that the
    /// energy all of them can still receive stays the most possible (an as-late-as-possible
    /// plan), then earliest departure first with what is left.
    case recedingHorizon = "receding-horizon"

    /// What `smartgrid substation` and `up` run unless told otherwise.
    public static let best: PowerAllocation = .recedingHorizon

    /// Simulated seconds between two re-plans of a time-dependent allocation, besides every
    /// arrival, completion and departure (ACN-Sim re-plans every 5-minute period too).
    public static let replanningPeriodSeconds = 300.0

    /// Whether the shares change with time alone (laxity shrinks as time passes), so the owner
    /// re-plans every `replanningPeriodSeconds`.
    public var replansPeriodically: Bool { self != .waterFilling }

    /// Sets `powerKW` of every session in `sessions`.
    /// - Parameters:
    ///   - available: power left for EVs, in kW; negative counts as 0.
    ///   - floorKW: the admission floor every session gets first (when the power covers all of them).
    ///   - now: simulated seconds now; the plan holds until `slotEnd` (the next re-plan) at the latest.
    public func allocate(available: Double, floorKW: Double, now: Double, slotEnd: Double, _ sessions: inout [ChargingSession]) {
        let power = max(0, available)
        if self == .waterFilling || sessions.isEmpty {
            Self.waterFill(power, &sessions)
            return
        }
        // The floors first, as water-filling would give them; what is left goes the policy's way.
        var floors = 0.0
        for index in sessions.indices { floors += min(sessions[index].requestedPowerKW, floorKW) }
        guard floors < power else {
            Self.waterFill(power, &sessions, cap: floorKW)
            return
        }
        for index in sessions.indices { sessions[index].powerKW = min(sessions[index].requestedPowerKW, floorKW) }
        let left = power - floors
        switch self {
        case .waterFilling: break
        case .edf: EarliestDeadlineFirstAllocator.share(left, &sessions)
        case .llf: LeastLaxityFirstAllocator.share(left, now: now, &sessions)
        case .recedingHorizon: RecedingHorizonAllocator.share(left, total: power, now: now, slotEnd: slotEnd, &sessions)
        }
    }

    /// Water-filling of `power` over requests capped at `cap`, whatever their order.
    static func waterFill(_ power: Double, _ sessions: inout [ChargingSession], cap: Double = .infinity) {
        let requests = sessions.map { min($0.requestedPowerKW, cap) }
        let shares = WaterFillingAllocator.allocate(available: power, requests: requests)
        for index in sessions.indices { sessions[index].powerKW = shares[index] }
    }

    /// Adds `power` to sessions in `order`, each up to its requested power, until none is left.
    /// Returns what is left.
    @discardableResult
    static func fillInOrder(_ power: Double, order: [Int], _ sessions: inout [ChargingSession]) -> Double {
        var left = power
        for index in order where left > 0 {
            let extra = min(left, max(0, sessions[index].requestedPowerKW - sessions[index].powerKW))
            sessions[index].powerKW += extra
            left -= extra
        }
        return max(0, left)
    }

    /// Water-fills `power` among the sessions staying until full, on top of what they have.
    static func shareAmongStayers(_ power: Double, _ sessions: inout [ChargingSession]) {
        guard power > 0 else { return }
        let stayers = sessions.indices.filter { sessions[$0].departureAtSimulatedSeconds == nil }
        let room = stayers.map { max(0, sessions[$0].requestedPowerKW - sessions[$0].powerKW) }
        let shares = WaterFillingAllocator.allocate(available: power, requests: room)
        for (position, index) in stayers.enumerated() { sessions[index].powerKW += shares[position] }
    }

    /// Sessions with a departure time in `order`, each up to its request, then the rest shared
    /// equally among those staying until full.
    static func fillDeadlinesThenStayers(_ power: Double, order: [Int], _ sessions: inout [ChargingSession]) {
        let left = fillInOrder(power, order: order.filter { sessions[$0].departureAtSimulatedSeconds != nil }, &sessions)
        shareAmongStayers(left, &sessions)
    }

    /// Earliest departure first; sessions staying until full last, in order of arrival; then by id.
    static func deadlineOrder(_ sessions: [ChargingSession]) -> [Int] {
        sessions.indices.sorted { a, b in
            let left = sessions[a]
            let right = sessions[b]
            let leftDeparture = left.departureAtSimulatedSeconds ?? .infinity
            let rightDeparture = right.departureAtSimulatedSeconds ?? .infinity
            if leftDeparture != rightDeparture { return leftDeparture < rightDeparture }
            if left.startedAtSimulatedSeconds != right.startedAtSimulatedSeconds {
                return left.startedAtSimulatedSeconds < right.startedAtSimulatedSeconds
            }
            return left.id < right.id
        }
    }
}

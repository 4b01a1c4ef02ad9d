/// What a routing policy chooses from: numbered slots, some of them eligible, with the number
/// of eligible ones known up front so that a policy can sample without listing them.
public protocol CandidatePool {
    /// Slots are `0..<slotCount`; not every slot is eligible.
    var slotCount: Int { get }
    /// How many slots are eligible; exact.
    var eligibleCount: Int { get }
    func isEligible(_ slot: Int) -> Bool
    func effectiveLoad(_ slot: Int) -> Double
    /// The substation a slot stands for, in the load view's numbering.
    func substation(_ slot: Int) -> Int
    /// The eligible slot of least effective load, if a pool can find it faster than a scan of
    /// `isEligible`, and it is unique; nil to let the policy scan.
    func uniqueLeastLoadedSlot() -> Int?
}

extension CandidatePool {
    public func uniqueLeastLoadedSlot() -> Int? { nil }
}

/// A plain list of candidates, every one eligible: slot = position in the list.
extension Array: CandidatePool where Element == RoutingCandidate {
    public var slotCount: Int { count }
    public var eligibleCount: Int { count }
    public func isEligible(_ slot: Int) -> Bool { true }
    public func effectiveLoad(_ slot: Int) -> Double { self[slot].effectiveLoad }
    public func substation(_ slot: Int) -> Int { self[slot].substation }
}

/// The load view's routing table seen by one request: slot = substation index. Eligible are the
/// substations that may take a car and were not tried for this one; among them, those that look
/// to have a free point, if there are any.
public struct RoutingPool: CandidatePool {
    let entries: [LoadView.RoutingEntry]
    /// Effective loads with +infinity for substations that are not routable (or, in the second,
    /// look full): plain arrays that a minimum search runs through at memory speed.
    let routableLoads: [Double]
    let routableWithFreePointLoads: [Double]
    let tried: [Int]
    /// Only substations that look to have a free point are eligible.
    let requiresFreePoint: Bool
    public let eligibleCount: Int

    init(
        entries: [LoadView.RoutingEntry], routableLoads: [Double], routableWithFreePointLoads: [Double], tried: [Int],
        routable: Int, routableWithFreePoint: Int
    ) {
        self.entries = entries
        self.routableLoads = routableLoads
        self.routableWithFreePointLoads = routableWithFreePointLoads
        self.tried = tried
        var triedRoutable = 0
        var triedWithFreePoint = 0
        for slot in tried where entries[slot].routable {
            triedRoutable += 1
            if entries[slot].hasFreePoint { triedWithFreePoint += 1 }
        }
        let withFreePoint = routableWithFreePoint - triedWithFreePoint
        requiresFreePoint = withFreePoint > 0
        eligibleCount = requiresFreePoint ? withFreePoint : routable - triedRoutable
    }

    public var slotCount: Int { entries.count }

    public func isEligible(_ slot: Int) -> Bool {
        let entry = entries[slot]
        guard entry.routable, !requiresFreePoint || entry.hasFreePoint else { return false }
        return tried.isEmpty || !tried.contains(slot)
    }

    public func effectiveLoad(_ slot: Int) -> Double { entries[slot].effectiveLoad }
    public func substation(_ slot: Int) -> Int { slot }

    /// For a first try (nothing excluded): the minimum of the load array, if one slot holds it.
    public func uniqueLeastLoadedSlot() -> Int? {
        guard tried.isEmpty else { return nil }
        let loads = requiresFreePoint ? routableWithFreePointLoads : routableLoads
        var least = Double.infinity
        for load in loads { least = Swift.min(least, load) }
        guard least < .infinity, let slot = loads.firstIndex(of: least) else { return nil }
        return loads[(slot + 1)...].contains(least) ? nil : slot
    }
}

/// What a routing policy chooses from: numbered slots, some of them eligible, with the number
/// of eligible ones known up front so that a policy can sample without listing them.
public protocol CandidatePool {
    /// Slots are `0..<slotCount`; not every slot is eligible.
    var slotCount: Int { get }
    /// How many slots are eligible; exact.
    var eligibleCount: Int { get }
    func isEligible(_ slot: Int) -> Bool
    func effectiveLoad(_ slot: Int) -> Double
    /// Dispatches to the slot's substation that are decided and not yet answered (0 for a pool
    /// that does not know, such as a plain candidate list: least-load then goes by load alone).
    func inFlight(_ slot: Int) -> Int
    /// The substation a slot stands for, in the load view's numbering.
    func substation(_ slot: Int) -> Int
    /// The least effective load of the eligible slots, if a pool can find it faster than a scan
    /// of `isEligible`: `.only(slot)` when no other eligible slot comes within `margin` of it,
    /// else `.shared(load)`; nil to let the policy scan.
    func leastLoad(margin: Double) -> LeastLoad?
}

/// What a pool found of its least effective load (`CandidatePool.leastLoad(margin:)`).
public enum LeastLoad: Equatable, Sendable {
    /// This slot holds it, and no other eligible slot comes within the margin.
    case only(Int)
    /// The least load, which other eligible slots come within the margin of.
    case shared(Double)
}

extension CandidatePool {
    public func leastLoad(margin: Double) -> LeastLoad? { nil }
    public func inFlight(_ slot: Int) -> Int { 0 }
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
/// substations that may take a car, that the view says can admit one, and that were not tried
/// for this one. On a full grid none is eligible, and a decision costs O(1) whatever the size.
public struct RoutingPool: CandidatePool {
    let entries: [LoadView.RoutingEntry]
    /// Effective loads with +infinity for substations that cannot take the next car: a plain
    /// array that a minimum search runs through at memory speed.
    let admittingLoads: [Double]
    let tried: [Int]
    public let eligibleCount: Int

    init(entries: [LoadView.RoutingEntry], admittingLoads: [Double], tried: [Int], admitting: Int) {
        self.entries = entries
        self.admittingLoads = admittingLoads
        self.tried = tried
        var triedAdmitting = 0
        if !tried.isEmpty {
            for slot in Set(tried) where entries.indices.contains(slot) && entries[slot].admits { triedAdmitting += 1 }
        }
        eligibleCount = admitting - triedAdmitting
    }

    public var slotCount: Int { entries.count }

    public func isEligible(_ slot: Int) -> Bool {
        guard entries[slot].admits else { return false }
        return tried.isEmpty || !tried.contains(slot)
    }

    public func effectiveLoad(_ slot: Int) -> Double { entries[slot].effectiveLoad }
    public func inFlight(_ slot: Int) -> Int { entries[slot].inFlight }
    public func substation(_ slot: Int) -> Int { slot }

    /// For a first try (nothing excluded): from the load array alone.
    public func leastLoad(margin: Double) -> LeastLoad? {
        guard tried.isEmpty else { return nil }
        var least = Double.infinity
        var slot = -1
        for (index, load) in admittingLoads.enumerated() where load < least {
            least = load
            slot = index
        }
        guard least < .infinity else { return nil }
        let limit = least + margin
        for (index, load) in admittingLoads.enumerated() where index != slot && load <= limit { return .shared(least) }
        return .only(slot)
    }
}

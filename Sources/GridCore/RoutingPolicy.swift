/// A substation the balancer could send the next car to, as the policy sees it.
public struct RoutingCandidate: Equatable, Sendable {
    /// The substation's index in the load view.
    public var substation: Int
    public var effectiveLoad: Double

    public init(substation: Int, effectiveLoad: Double) {
        self.substation = substation
        self.effectiveLoad = effectiveLoad
    }
}

/// The policies a balancer can route with.
public enum PolicyName: String, CaseIterable, Codable, Sendable {
    case leastLoad = "least-load"
    case p2c
    case roundRobin = "round-robin"
    case random
}

/// Picks one substation among candidates. Knows nothing of HTTP: the same code routes live
/// requests and simulated ones.
///
/// Costs at N substations: least-load and round-robin scan the pool once, O(N) without
/// allocating; p2c and random sample slots until they hit eligible ones, O(1) while most
/// substations are eligible, and fall back to one scan when few are.
public struct RoutingPolicy: Sendable {
    public let name: PolicyName
    private var roundRobinCursor = 0

    public init(_ name: PolicyName) {
        self.name = name
    }

    /// The chosen candidate's position in `candidates`, or nil when there are none.
    public mutating func choose(among candidates: [RoutingCandidate], using generator: inout SeededGenerator) -> Int? {
        choose(in: candidates, using: &generator)
    }

    /// The chosen eligible slot of `pool`, or nil when none is eligible.
    public mutating func choose(in pool: some CandidatePool, using generator: inout SeededGenerator) -> Int? {
        guard pool.eligibleCount > 0 else { return nil }
        switch name {
        case .leastLoad:
            return Self.leastLoaded(pool, using: &generator)
        case .p2c:
            // Power of two choices: two distinct random candidates, the less loaded wins.
            guard pool.eligibleCount > 1 else { return Self.eligibleSlot(pool, number: 0) }
            let first = Self.randomEligible(pool, avoiding: nil, using: &generator)
            let second = Self.randomEligible(pool, avoiding: first, using: &generator)
            let a = pool.effectiveLoad(first)
            let b = pool.effectiveLoad(second)
            if a == b { return Bool.random(using: &generator) ? first : second }
            return a < b ? first : second
        case .roundRobin:
            // The next substation at or after the cursor, in substation order, wrapping around.
            var next: Int?
            for slot in 0..<pool.slotCount where pool.isEligible(slot) {
                if next == nil || distance(pool.substation(slot)) < distance(pool.substation(next!)) { next = slot }
            }
            if let next { roundRobinCursor = pool.substation(next) + 1 }
            return next
        case .random:
            return Self.randomEligible(pool, avoiding: nil, using: &generator)
        }
    }

    private func distance(_ substation: Int) -> Int {
        substation >= roundRobinCursor ? substation - roundRobinCursor : substation - roundRobinCursor + 1_000_000_000
    }

    /// Effective loads closer than this (a share of capacity) count as equal for least-load:
    /// below what the view can tell apart, since base load moves and a scrape is up to one poll
    /// interval old. On a 400 kW substation that is 2 kW, less than any car's power.
    public static let equalLoadMargin = 0.005

    /// Lowest effective load. Among substations within `equalLoadMargin` of it, the one with the
    /// fewest dispatches in flight (HAProxy's `leastconn`), then the lowest load; ties broken
    /// uniformly at random (reservoir sampling). A load that is not a number counts as +infinity.
    ///
    /// Why the in-flight count: scraped loads differ by a few cars, and strict least-load sends
    /// every car to the lowest until its own dispatches make up the difference. Under 32
    /// concurrent requests the balancer held 24-31 links to a substation, so as many requests
    /// had been in flight there at once; HAProxy's `leastconn` held 10, and this rule 9-11.
    static func leastLoaded(_ pool: some CandidatePool, using generator: inout SeededGenerator) -> Int? {
        var least = Double.infinity
        switch pool.leastLoad(margin: equalLoadMargin) {
        case .only(let slot)?: return slot
        case .shared(let load)?: least = load
        case nil: for slot in 0..<pool.slotCount where pool.isEligible(slot) { least = min(least, Self.load(pool, slot)) }
        }
        let limit = least + equalLoadMargin
        var best: Int?
        var bestInFlight = Int.max
        var bestLoad = Double.infinity
        var ties = 0
        for slot in 0..<pool.slotCount where pool.isEligible(slot) {
            let load = Self.load(pool, slot)
            guard load <= limit else { continue }
            let inFlight = pool.inFlight(slot)
            if best == nil || inFlight < bestInFlight || (inFlight == bestInFlight && load < bestLoad) {
                best = slot
                bestInFlight = inFlight
                bestLoad = load
                ties = 1
            } else if inFlight == bestInFlight && load == bestLoad {
                ties += 1
                if Int.random(in: 0..<ties, using: &generator) == 0 { best = slot }
            }
        }
        return best
    }

    private static func load(_ pool: some CandidatePool, _ slot: Int) -> Double {
        let load = pool.effectiveLoad(slot)
        return load.isNaN ? .infinity : load
    }

    /// A uniformly random eligible slot other than `avoiding`. Needs one eligible slot besides it.
    static func randomEligible(_ pool: some CandidatePool, avoiding: Int?, using generator: inout SeededGenerator) -> Int {
        let choices = pool.eligibleCount - (avoiding == nil ? 0 : 1)
        // Mostly eligible: draw slots until one is (a few draws on average).
        if choices * 4 >= pool.slotCount {
            for _ in 0..<64 {
                let slot = Int.random(in: 0..<pool.slotCount, using: &generator)
                if slot != avoiding && pool.isEligible(slot) { return slot }
            }
        }
        // Few eligible (or unlucky draws): pick by rank in one scan.
        var rank = Int.random(in: 0..<choices, using: &generator)
        if let avoiding, rank >= Self.rank(of: avoiding, in: pool) { rank += 1 }
        return eligibleSlot(pool, number: rank)
    }

    /// The eligible slot with `number` eligible slots before it.
    static func eligibleSlot(_ pool: some CandidatePool, number: Int) -> Int {
        var seen = 0
        for slot in 0..<pool.slotCount where pool.isEligible(slot) {
            if seen == number { return slot }
            seen += 1
        }
        preconditionFailure("the pool has fewer eligible slots than it claims")
    }

    /// How many eligible slots come before `slot`.
    static func rank(of slot: Int, in pool: some CandidatePool) -> Int {
        (0..<slot).reduce(0) { $0 + (pool.isEligible($1) ? 1 : 0) }
    }
}

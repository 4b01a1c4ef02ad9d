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
public struct RoutingPolicy: Sendable {
    public let name: PolicyName
    private var roundRobinCursor = 0

    public init(_ name: PolicyName) {
        self.name = name
    }

    /// The chosen candidate's position in `candidates`, or nil when there are none.
    public mutating func choose(
        among candidates: [RoutingCandidate], using generator: inout some RandomNumberGenerator
    ) -> Int? {
        guard !candidates.isEmpty else { return nil }
        switch name {
        case .leastLoad:
            return Self.leastLoaded(candidates, using: &generator)
        case .p2c:
            // Power of two choices: two distinct random candidates, the less loaded wins.
            guard candidates.count > 1 else { return 0 }
            let first = Int.random(in: 0..<candidates.count, using: &generator)
            var second = Int.random(in: 0..<(candidates.count - 1), using: &generator)
            if second >= first { second += 1 }
            let a = candidates[first].effectiveLoad
            let b = candidates[second].effectiveLoad
            if a == b { return Bool.random(using: &generator) ? first : second }
            return a < b ? first : second
        case .roundRobin:
            // The next substation at or after the cursor, in substation order, wrapping around.
            let next = candidates.indices.min { lhs, rhs in
                distance(candidates[lhs].substation) < distance(candidates[rhs].substation)
            }!
            roundRobinCursor = candidates[next].substation + 1
            return next
        case .random:
            return Int.random(in: 0..<candidates.count, using: &generator)
        }
    }

    private func distance(_ substation: Int) -> Int {
        substation >= roundRobinCursor ? substation - roundRobinCursor : substation - roundRobinCursor + 1_000_000_000
    }

    /// Lowest effective load; ties broken uniformly at random (reservoir sampling, one pass).
    static func leastLoaded(_ candidates: [RoutingCandidate], using generator: inout some RandomNumberGenerator) -> Int {
        var best = 0
        var ties = 1
        for index in candidates.indices.dropFirst() {
            let load = candidates[index].effectiveLoad
            if load < candidates[best].effectiveLoad {
                best = index
                ties = 1
            } else if load == candidates[best].effectiveLoad {
                ties += 1
                if Int.random(in: 0..<ties, using: &generator) == 0 { best = index }
            }
        }
        return best
    }
}

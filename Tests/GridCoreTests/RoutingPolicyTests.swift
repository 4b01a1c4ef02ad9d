import GridCore
import Testing

@Suite struct RoutingPolicyTests {
    static func candidates(_ loads: [Double]) -> [RoutingCandidate] {
        loads.enumerated().map { RoutingCandidate(substation: $0.offset, effectiveLoad: $0.element) }
    }

    @Test func leastLoadPicksTheLowestEffectiveLoad() {
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 1)
        #expect(policy.choose(among: Self.candidates([0.7, 0.2, 0.9, 0.3]), using: &generator) == 1)
        #expect(policy.choose(among: [], using: &generator) == nil)
    }

    @Test func leastLoadBreaksTiesAtRandom() {
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 2)
        var picks = [0, 0, 0, 0]
        for _ in 0..<4_000 {
            picks[policy.choose(among: Self.candidates([0.5, 0.2, 0.2, 0.2]), using: &generator)!] += 1
        }
        #expect(picks[0] == 0)
        for index in 1...3 { #expect((1_150...1_520).contains(picks[index]), "tie-break share \(picks)") }
    }

    @Test func powerOfTwoChoicesNeverPicksTheMostLoadedOfMany() {
        var policy = RoutingPolicy(.p2c)
        var generator = SeededGenerator(seed: 3)
        var picks = [0, 0, 0, 0]
        for _ in 0..<4_000 {
            picks[policy.choose(among: Self.candidates([0.1, 0.4, 0.6, 0.9]), using: &generator)!] += 1
        }
        // With two distinct random picks, the most loaded can never win and the least always wins its pair.
        #expect(picks[3] == 0)
        #expect(picks[0] > picks[1] && picks[1] > picks[2] && picks[2] > 0)
        #expect((1_850...2_150).contains(picks[0]), "least loaded wins half of all draws: \(picks)")
    }

    @Test func roundRobinCyclesInOrderAndSkipsWhatIsMissing() {
        var policy = RoutingPolicy(.roundRobin)
        var generator = SeededGenerator(seed: 4)
        let all = Self.candidates([0.9, 0.1, 0.5])
        let order = (0..<6).map { _ in all[policy.choose(among: all, using: &generator)!].substation }
        #expect(order == [0, 1, 2, 0, 1, 2])
        // Substation 0 missing (tried or down): the cycle goes on with 1.
        let without0 = Array(all.dropFirst())
        #expect(without0[policy.choose(among: without0, using: &generator)!].substation == 1)
    }

    @Test func randomReachesEveryCandidate() {
        var policy = RoutingPolicy(.random)
        var generator = SeededGenerator(seed: 5)
        var seen = Set<Int>()
        for _ in 0..<200 { seen.insert(policy.choose(among: Self.candidates([0.1, 0.9, 0.5, 0.3]), using: &generator)!) }
        #expect(seen == [0, 1, 2, 3])
    }
}

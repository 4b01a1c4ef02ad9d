import GridCore
import Testing

/// The routing pool samples and searches instead of listing candidates; these tests hold it to
/// what listing them would give.
@Suite struct RoutingPoolTests {
    /// A view of `count` substations put through random scrapes, failures, drains and dispatches.
    static func shuffledView(count: Int, steps: Int, generator: inout SeededGenerator) -> LoadView {
        var view = LoadView(urls: (0..<count).map { "http://s\($0)" })
        var tickets: [LoadView.DispatchTicket] = []
        for step in 0..<steps {
            let index = Int.random(in: 0..<count, using: &generator)
            switch Int.random(in: 0..<7, using: &generator) {
            case 0, 1:
                let points = Int.random(in: 1...4, using: &generator)
                let figures = ScrapedFigures(
                    substationId: "S\(index)", load: Double(Int.random(in: 0...5, using: &generator)) / 10,  // ties on purpose
                    capacityKW: 100, powerKW: 0, activeSessions: Int.random(in: 0...points, using: &generator), chargingPoints: points)
                view.scrapeSucceeded(LoadView.ScrapeTicket(substation: index, takenAt: Double(step)), figures: figures, at: Double(step))
            case 2:
                view.scrapeFailed(LoadView.ScrapeTicket(substation: index, takenAt: Double(step)), refused: Bool.random(using: &generator))
            case 3:
                view.setDrained(index, Bool.random(using: &generator))
            case 4:
                tickets.append(view.reserve(index, powerKW: 11))
            default:
                if let ticket = tickets.popLast() { view.release(ticket) }
            }
        }
        return view
    }

    @Test func eligibleCountMatchesAScanAfterAnyHistory() {
        var generator = SeededGenerator(seed: 21)
        for round in 0..<200 {
            let count = Int.random(in: 1...12, using: &generator)
            let view = Self.shuffledView(count: count, steps: Int.random(in: 0...60, using: &generator), generator: &generator)
            let tried = (0..<count).filter { _ in Int.random(in: 0..<4, using: &generator) == 0 }
            let pool = view.pool(excluding: tried)
            let scanned = (0..<pool.slotCount).filter(pool.isEligible)
            #expect(pool.eligibleCount == scanned.count, "round \(round)")
            #expect(view.candidates(excluding: tried).map(\.substation) == scanned)
            #expect(scanned.allSatisfy { !tried.contains($0) })
        }
    }

    @Test func everyPolicyPicksOnlyEligibleSubstationsAndLeastLoadPicksAMinimum() {
        var generator = SeededGenerator(seed: 22)
        for _ in 0..<300 {
            let count = Int.random(in: 1...40, using: &generator)
            let view = Self.shuffledView(count: count, steps: 80, generator: &generator)
            let tried = (0..<count).filter { _ in Int.random(in: 0..<6, using: &generator) == 0 }
            let pool = view.pool(excluding: tried)
            for name in PolicyName.allCases {
                var policy = RoutingPolicy(name)
                let slot = policy.choose(in: pool, using: &generator)
                guard let slot else {
                    #expect(pool.eligibleCount == 0, "\(name) found nothing among \(pool.eligibleCount)")
                    continue
                }
                #expect(pool.isEligible(slot), "\(name) picked \(slot)")
                if name == .leastLoad {
                    let least = (0..<count).filter(pool.isEligible).map(pool.effectiveLoad).min()!
                    #expect(pool.effectiveLoad(slot) == least)
                }
            }
        }
    }

    /// p2c and random sample slots; when few are eligible they rank instead. Either way each
    /// eligible substation is about equally likely (random) and p2c never picks the most loaded.
    @Test func samplingIsUniformOverEligibleSlotsDenseOrSparse() {
        for eligible in [[0, 3, 5, 6, 9, 11, 12, 17], [4, 38]] {
            var view = LoadView(urls: (0..<40).map { "http://s\($0)" })
            for index in eligible {
                let figures = ScrapedFigures(
                    substationId: "S\(index)", load: Double(index) / 100, capacityKW: 100, powerKW: 0, activeSessions: 0,
                    chargingPoints: 4)
                view.scrapeSucceeded(LoadView.ScrapeTicket(substation: index, takenAt: 0), figures: figures, at: 0)
            }
            var generator = SeededGenerator(seed: 23)
            var random = RoutingPolicy(.random)
            var p2c = RoutingPolicy(.p2c)
            var randomPicks: [Int: Int] = [:]
            var p2cPicks: [Int: Int] = [:]
            let draws = 8_000
            for _ in 0..<draws {
                randomPicks[random.choose(in: view.pool(excluding: []), using: &generator)!, default: 0] += 1
                p2cPicks[p2c.choose(in: view.pool(excluding: []), using: &generator)!, default: 0] += 1
            }
            #expect(Set(randomPicks.keys) == Set(eligible))
            let expected = Double(draws) / Double(eligible.count)
            for (slot, picks) in randomPicks {
                #expect(abs(Double(picks) - expected) < expected * 0.15, "slot \(slot): \(picks) of \(draws)")
            }
            #expect(p2cPicks[eligible.last!] == nil, "p2c never prefers the most loaded of two")
            #expect(Set(p2cPicks.keys).isSubset(of: Set(eligible)))
        }
    }

    @Test func tiesForTheLeastLoadAreBrokenAtRandom() {
        var view = LoadView(urls: (0..<6).map { "http://s\($0)" })
        for index in 0..<6 {
            let figures = ScrapedFigures(
                substationId: "S\(index)", load: index % 2 == 0 ? 0.2 : 0.5, capacityKW: 100, powerKW: 0, activeSessions: 0,
                chargingPoints: 4)
            view.scrapeSucceeded(LoadView.ScrapeTicket(substation: index, takenAt: 0), figures: figures, at: 0)
        }
        var generator = SeededGenerator(seed: 24)
        var policy = RoutingPolicy(.leastLoad)
        let picks = Set((0..<200).map { _ in policy.choose(in: view.pool(excluding: []), using: &generator)! })
        #expect(picks == [0, 2, 4])
    }
}

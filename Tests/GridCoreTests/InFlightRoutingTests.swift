import Testing

@testable import GridCore

/// Least-load among nearly equal loads: the substation with the fewest dispatches in flight.
@Suite struct InFlightRoutingTests {
    /// Substations of `capacityKW` scraped at `loads`, each with room for every car.
    static func view(loads: [Double], capacityKW: Double = 100_000) -> LoadView {
        var view = LoadView(urls: loads.indices.map { "http://s\($0)" })
        for (index, load) in loads.enumerated() {
            let figures = ScrapedFigures(
                substationId: "S\(index)", load: load, capacityKW: capacityKW, powerKW: load * capacityKW, activeSessions: 0,
                chargingPoints: 100_000)
            view.scrapeSucceeded(LoadView.ScrapeTicket(substation: index, takenAt: 0), figures: figures, at: 0)
        }
        return view
    }

    static func choose(_ view: LoadView, seed: UInt64 = 1) -> Int? {
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: seed)
        return policy.choose(in: view.pool(excluding: []), using: &generator)
    }

    @Test func nearlyEqualLoadsGoToTheFewestInFlight() {
        // S0 and S1 are within the margin of each other, S2 is not.
        var view = Self.view(loads: [0.300, 0.303, 0.320])
        #expect(Self.choose(view) == 0, "equal in flight: the lowest load")
        let tickets = (0..<3).map { _ in view.reserve(0, powerKW: 11) }
        #expect(view.substations[0].inFlightDispatches == 3)
        #expect(Self.choose(view) == 1, "S0 has 3 in flight, S1 none")
        for ticket in tickets { view.confirm(ticket, at: 1) }
        #expect(view.substations[0].inFlightDispatches == 0)
        #expect(Self.choose(view) == 0, "answered: S0 is the lowest again")
        // However many are in flight at S0 and S1, S2 is beyond the margin and gets nothing
        // (the in-flight count breaks near-ties only: plain leastconn would pick S2 here).
        for _ in 0..<20 { _ = view.reserve(0, powerKW: 11) }
        for _ in 0..<20 { _ = view.reserve(1, powerKW: 11) }
        #expect(Self.choose(view) != 2)
    }

    @Test func loadsApartByMoreThanTheMarginStayStrictlyLeastLoad() {
        var view = Self.view(loads: [0.30, 0.31], capacityKW: 400)
        for _ in 0..<2 { _ = view.reserve(0, powerKW: 0.1) }
        // S0 is lower by 0.01 - 0.0005, more than the margin: its dispatches in flight do not matter.
        #expect(Self.choose(view) == 0)
    }

    /// The live case the rule is for: 32 requests at once over four substations whose scraped
    /// loads differ by a few cars. Strict least-load sent all of them to the lowest.
    @Test func aBurstSpreadsEvenlyOverNearlyEqualSubstations() {
        var view = Self.view(loads: [0.0040, 0.0041, 0.0043, 0.0044], capacityKW: 1_000_000)
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 9)
        var inFlight = [0, 0, 0, 0]
        for _ in 0..<32 {
            let slot = policy.choose(in: view.pool(excluding: []), using: &generator)!
            _ = view.reserve(slot, powerKW: 11)
            inFlight[slot] += 1
        }
        #expect(inFlight == [8, 8, 8, 8])
        #expect(view.substations.map(\.inFlightDispatches) == inFlight)
    }

    /// Any history of scrapes, dispatches, answers and refusals, first tries and retries: the
    /// pick is eligible, within the margin of the least load, has the fewest in flight among
    /// those, and the least load among those (the rule, restated here).
    @Test func thePickMatchesTheRuleAfterAnyHistory() {
        var generator = SeededGenerator(seed: 31)
        var checked = 0
        for _ in 0..<300 {
            let count = Int.random(in: 1...12, using: &generator)
            var view = LoadView(urls: (0..<count).map { "http://s\($0)" })
            var inFlight: [LoadView.DispatchTicket] = []
            for step in 0..<60 {
                let index = Int.random(in: 0..<count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0:
                    // Loads 0.002 apart: some within the margin of each other, some not.
                    let figures = ScrapedFigures(
                        substationId: "S\(index)", load: Double(Int.random(in: 0...6, using: &generator)) * 0.002,
                        capacityKW: 100_000, powerKW: 0, activeSessions: 0, chargingPoints: 1_000)
                    view.scrapeSucceeded(
                        LoadView.ScrapeTicket(substation: index, takenAt: Double(step)), figures: figures, at: Double(step))
                case 1, 2:
                    inFlight.append(view.reserve(index, powerKW: 11))
                case 3:
                    if !inFlight.isEmpty {
                        view.confirm(inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &generator)), at: Double(step))
                    }
                default:
                    if !inFlight.isEmpty { view.release(inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &generator))) }
                }
            }
            for index in 0..<count {
                #expect(view.substations[index].inFlightDispatches == inFlight.count(where: { $0.substation == index }))
            }
            // A retry leaves out the substations already tried.
            let tried = (0..<count).filter { _ in Int.random(in: 0..<4, using: &generator) == 0 }
            let pool = view.pool(excluding: tried)
            var policy = RoutingPolicy(.leastLoad)
            guard let slot = policy.choose(in: pool, using: &generator) else {
                #expect(pool.eligibleCount == 0)
                continue
            }
            let eligible = (0..<count).filter(pool.isEligible)
            let least = eligible.map(pool.effectiveLoad).min()!
            let near = eligible.filter { pool.effectiveLoad($0) <= least + RoutingPolicy.equalLoadMargin }
            let fewest = near.map(pool.inFlight).min()!
            let lowest = near.filter { pool.inFlight($0) == fewest }.map(pool.effectiveLoad).min()!
            #expect(pool.isEligible(slot) && !tried.contains(slot))
            #expect(near.contains(slot))
            #expect(pool.inFlight(slot) == fewest)
            #expect(pool.effectiveLoad(slot) == lowest)
            checked += 1
        }
        #expect(checked > 200)
    }

    @Test func aLoadThatIsNotANumberCountsAsInfinite() {
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 3)
        let candidates = [RoutingCandidate(substation: 0, effectiveLoad: .nan), RoutingCandidate(substation: 1, effectiveLoad: 0.4)]
        #expect(policy.choose(among: candidates, using: &generator) == 1)
        #expect(policy.choose(among: [RoutingCandidate(substation: 0, effectiveLoad: .nan)], using: &generator) == 0)
    }
}

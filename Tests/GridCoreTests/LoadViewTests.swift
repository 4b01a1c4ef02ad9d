import GridCore
import Testing

@Suite struct LoadViewTests {
    static let capacities: [Double] = [250, 400, 400, 630]

    static func scrapedView(loads: [Double] = [0, 0, 0, 0], points: Int = 200) -> LoadView {
        var view = LoadView(urls: capacities.indices.map { "http://s\($0)" })
        for index in capacities.indices {
            let ticket = view.beginScrape(of: index, at: 0)
            view.scrapeSucceeded(ticket, figures: figures(index, load: loads[index], points: points), at: 0)
        }
        return view
    }

    static func figures(_ index: Int, load: Double, active: Int = 0, points: Int = 200) -> ScrapedFigures {
        ScrapedFigures(
            substationId: "S\(index + 1)", load: load, capacityKW: capacities[index], powerKW: 0,
            activeSessions: active, chargingPoints: points)
    }

    /// The herd: without own-dispatch accounting every decision between two scrapes would go to
    /// the same substation. With it, a burst spreads in proportion to capacity.
    @Test func aBurstBetweenTwoScrapesSpreads() {
        var view = Self.scrapedView()
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 9)
        var counts = [0, 0, 0, 0]
        for _ in 0..<400 {
            let candidates = view.candidates(excluding: [])
            let choice = candidates[policy.choose(among: candidates, using: &generator)!].substation
            let ticket = view.reserve(choice, powerKW: 11)
            view.confirm(ticket, at: 0.5)
            counts[choice] += 1
        }
        let loads = view.substations.map(\.effectiveLoad)
        let stats = BalanceStatistics(loads: loads)
        #expect(stats.maxOverMean < 1.02, "loads \(loads), counts \(counts)")
        #expect(counts[3] > counts[0] * 2)  // 630 kW takes about 2.5 times what 250 kW takes
    }

    @Test func staleViewWithoutAccountingHerds() {
        // The same burst routed on the last scrape alone goes all to one substation.
        let view = Self.scrapedView(loads: [0.3, 0.2, 0.25, 0.4])
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 9)
        var chosen = Set<Int>()
        for _ in 0..<50 {
            let candidates = view.candidates(excluding: [])
            chosen.insert(candidates[policy.choose(among: candidates, using: &generator)!].substation)
        }
        #expect(chosen == [1])
    }

    @Test func aScrapeThatBeganAfterAConfirmationReplacesIt() {
        var view = Self.scrapedView()
        let ticket = view.reserve(1, powerKW: 40)
        #expect(abs(view.substations[1].effectiveLoad - 0.1) < 1e-12)
        view.confirm(ticket, at: 1)
        let scrape = view.beginScrape(of: 1, at: 1.5)
        view.scrapeSucceeded(scrape, figures: Self.figures(1, load: 0.1, active: 1), at: 1.6)
        // The scrape includes the session: counted once, not twice.
        #expect(view.substations[1].pendingDispatches == 0)
        #expect(abs(view.substations[1].effectiveLoad - 0.1) < 1e-12)
    }

    @Test func aScrapeThatBeganBeforeAConfirmationKeepsIt() {
        var view = Self.scrapedView()
        let ticket = view.reserve(1, powerKW: 40)
        let scrape = view.beginScrape(of: 1, at: 1)  // may or may not see the session
        view.confirm(ticket, at: 1.2)
        view.scrapeSucceeded(scrape, figures: Self.figures(1, load: 0), at: 1.3)
        #expect(view.substations[1].pendingDispatches == 1)
        #expect(abs(view.substations[1].effectiveLoad - 0.1) < 1e-12)
        // The next scrape settles it.
        let next = view.beginScrape(of: 1, at: 2)
        view.scrapeSucceeded(next, figures: Self.figures(1, load: 0.1, active: 1), at: 2.1)
        #expect(view.substations[1].pendingDispatches == 0)
    }

    @Test func inFlightDispatchesSurviveScrapes() {
        var view = Self.scrapedView()
        _ = view.reserve(2, powerKW: 40)
        let scrape = view.beginScrape(of: 2, at: 1)
        view.scrapeSucceeded(scrape, figures: Self.figures(2, load: 0), at: 1.1)
        #expect(view.substations[2].pendingDispatches == 1)
    }

    @Test func refusedDispatchesAreForgotten() {
        var view = Self.scrapedView()
        let ticket = view.reserve(0, powerKW: 50)
        view.release(ticket)
        #expect(view.substations[0].effectiveLoad == 0)
    }

    @Test func candidatesLeaveOutTriedDownDrainedAndFull() {
        var view = Self.scrapedView()
        view.setDrained(0, true)
        let full = view.beginScrape(of: 1, at: 1)
        view.scrapeSucceeded(full, figures: Self.figures(1, load: 0.5, active: 200), at: 1)
        let down = view.beginScrape(of: 2, at: 1)
        view.scrapeFailed(down, refused: true)
        #expect(view.candidates(excluding: []).map(\.substation) == [3])
        // A substation the view says is full is never offered, even when nothing else is left.
        #expect(view.candidates(excluding: [3]).isEmpty)
    }

    /// A substation grants at most its point maximum: a 150 kW car on 50 kW points is counted
    /// as 50 kW until the next scrape, not 150.
    @Test func aPendingDispatchCountsWhatThePointGrants() {
        var view = LoadView(urls: ["http://s0", "http://s1"])
        var capped = Self.figures(1, load: 0, points: 20)
        capped.pointMaxKW = 50
        view.scrapeSucceeded(view.beginScrape(of: 0, at: 0), figures: Self.figures(0, load: 0, points: 20), at: 0)
        view.scrapeSucceeded(view.beginScrape(of: 1, at: 0), figures: capped, at: 0)
        _ = view.reserve(0, powerKW: 150)
        _ = view.reserve(1, powerKW: 150)
        _ = view.reserve(1, powerKW: 11)
        #expect(view.substations[0].pendingPowerKW == 150, "no point maximum known (an older substation): the car's own")
        #expect(view.substations[1].pendingPowerKW == 61)
        #expect(abs(view.substations[1].effectiveLoad - 61.0 / 400) < 1e-12)
    }
}

@Suite struct SubstationHealthTests {
    @Test func downAfterThreeFailedScrapesInARow() {
        var health = SubstationHealth()
        #expect(!health.isUp)
        #expect(health.scrapeSucceeded() == .markedUp)
        #expect(health.failed(refused: false) == nil)
        #expect(health.failed(refused: false) == nil)
        #expect(health.isUp)
        #expect(health.failed(refused: false) == .markedDown)
        #expect(!health.isUp)
        #expect(health.failed(refused: false) == nil)
        #expect(health.scrapeSucceeded() == .markedUp)
    }

    @Test func aSuccessResetsTheCount() {
        var health = SubstationHealth()
        _ = health.scrapeSucceeded()
        _ = health.failed(refused: false)
        _ = health.failed(refused: false)
        #expect(health.scrapeSucceeded() == nil)
        #expect(health.failed(refused: false) == nil)
        #expect(health.isUp)
    }

    @Test func downAtOnceOnARefusedConnection() {
        var health = SubstationHealth()
        _ = health.scrapeSucceeded()
        #expect(health.failed(refused: true) == .markedDown)
        #expect(health.state == .down)
    }
}

@Suite struct BalanceStatisticsTests {
    @Test func perfectBalance() {
        let stats = BalanceStatistics(loads: [0.5, 0.5, 0.5, 0.5])
        #expect(stats.maxOverMean == 1)
        #expect(stats.coefficientOfVariation == 0)
        #expect(stats.jainIndex == 1)
    }

    @Test func allOnOne() {
        let stats = BalanceStatistics(loads: [1, 0, 0, 0])
        #expect(stats.maxOverMean == 4)
        #expect(abs(stats.coefficientOfVariation - 3.0.squareRoot()) < 1e-12)
        #expect(stats.jainIndex == 0.25)
    }
}

@Suite struct DiscoveryReconciliationTests {
    @Test func addsNewRetiresVanishedAndRevivesReturning() {
        var view = LoadView(urls: ["http://static:1"])
        #expect(view.reconcileDiscovered(["http://a:1", "http://b:1"]).added == ["http://a:1", "http://b:1"])
        #expect(view.substations.map(\.url) == ["http://static:1", "http://a:1", "http://b:1"])
        let change = view.reconcileDiscovered(["http://a:1"])
        #expect(change.retired == ["http://b:1"] && change.added.isEmpty)
        #expect(view.substations[2].retired)
        #expect(!view.substations[0].retired, "configured substations are never retired by discovery")
        Self.scrape(&view, ids: ["S0", "S1", "S2"], loads: [0.5, 0.5, 0])
        #expect(view.candidates(excluding: []).map(\.substation) == [0, 1], "a retired substation gets nothing, though emptiest")
        view.reconcileDiscovered(["http://a:1", "http://b:1"])
        #expect(!view.substations[2].retired)
        Self.scrape(&view, ids: ["S0", "S1", "S2"], loads: [0.5, 0.5, 0])
        #expect(view.candidates(excluding: []).map(\.substation) == [0, 1, 2])
    }

    static func scrape(_ view: inout LoadView, ids: [String?], loads: [Double], at time: Double = 0) {
        for (index, id) in ids.enumerated() {
            guard let id else { continue }
            view.scrapeSucceeded(
                LoadView.ScrapeTicket(substation: index, takenAt: time),
                figures: ScrapedFigures(
                    substationId: id, load: loads[index], capacityKW: 400, powerKW: 0, activeSessions: 0, chargingPoints: 10),
                at: time)
        }
    }

    /// A retired substation gets nothing, even when up and emptiest; it is kept while an order
    /// to it is in flight, then its slot is vacated (no longer scraped) and reused.
    @Test func aRetiredEntryIsKeptWhileAnOrderIsInFlightThenVacated() {
        var view = LoadView(urls: [])
        view.reconcileDiscovered(["http://a:1", "http://b:1"])
        Self.scrape(&view, ids: ["A", "B"], loads: [0.5, 0])
        let inFlight = view.reserve(1, powerKW: 11)
        let confirmed = view.reserve(1, powerKW: 11)
        view.confirm(confirmed, at: 0.1)
        view.reconcileDiscovered(["http://a:1"])
        #expect(view.substations[1].retired && !view.substations[1].vacant, "an order is in flight to it")
        #expect(view.substations[1].pendingDispatches == 1, "the confirmed one is no longer counted")
        #expect(view.candidates(excluding: []).map(\.substation) == [0], "retired: gets nothing, though emptiest")
        view.confirm(inFlight, at: 0.2)
        #expect(view.substations[1].vacant, "nothing in flight: vacated")
        #expect(view.index(ofSubstationId: "B") == nil)
        view.reconcileDiscovered(["http://a:1", "http://c:1"])
        #expect(view.substations.map(\.url) == ["http://a:1", "http://c:1"], "the vacant slot is reused")
        #expect(!view.substations[1].vacant && !view.substations[1].retired)
    }

    /// A substation restarted on a new address keeps its id: the entry of its old address must
    /// not keep the id too, or an admin drain by id would hit the dead entry.
    @Test func oneIdNeverNamesTwoEntries() {
        var view = LoadView(urls: [])
        view.reconcileDiscovered(["http://old:1", "http://other:1"])
        Self.scrape(&view, ids: ["S1", "S2"], loads: [0.2, 0.2])
        let inFlight = view.reserve(0, powerKW: 11)
        view.reconcileDiscovered(["http://new:1", "http://other:1"])
        #expect(view.substations.map(\.url) == ["http://old:1", "http://other:1", "http://new:1"])
        Self.scrape(&view, ids: [nil, nil, "S1"], loads: [0, 0, 0.1])
        #expect(view.index(ofSubstationId: "S1") == 2, "the live entry holds the id")
        #expect(view.substations[0].id == nil && !view.substations[0].vacant, "the old one lost it, kept for its order")
        // A late scrape of the old address does not take the id back.
        Self.scrape(&view, ids: ["S1"], loads: [0.1])
        #expect(view.index(ofSubstationId: "S1") == 2)
        #expect(view.substations.filter { $0.id == "S1" }.count == 1)
        view.release(inFlight)
        #expect(view.substations[0].vacant)
        view.setDrained(view.index(ofSubstationId: "S1")!, true)
        #expect(view.substations[2].drained)
    }
}

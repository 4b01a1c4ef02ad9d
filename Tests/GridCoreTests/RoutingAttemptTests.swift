import GridCore
import Testing

@Suite struct RoutingAttemptTests {
    /// Routes one car as the balancer does, refusing at every substation; returns those offered.
    static func offered(
        _ view: inout LoadView, attempt: inout RoutingAttempt, budget: inout RetryBudget, at time: Double = 0, seed: UInt64 = 1
    ) -> [Int] {
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: seed)
        var offered: [Int] = []
        while let candidate = attempt.next(view: &view, policy: &policy, budget: &budget, at: time, using: &generator) {
            offered.append(candidate.substation)
            attempt.refused(view: &view)
        }
        return offered
    }

    @Test func offersEachSubstationOnceThenGivesUp() {
        var view = LoadViewTests.scrapedView(loads: [0.1, 0.2, 0.3, 0.4])
        var attempt = RoutingAttempt(powerKW: 11, maxAttempts: 10)
        var budget = RetryBudget()
        #expect(Self.offered(&view, attempt: &attempt, budget: &budget) == [0, 1, 2, 3])
        #expect(attempt.stop == .noneCanAdmit)
        #expect(view.substations.allSatisfy { $0.pendingDispatches == 0 }, "refusals leave nothing counted")
    }

    @Test func attemptsAreBoundedByMaxAttempts() {
        var view = LoadViewTests.scrapedView(loads: [0.1, 0.2, 0.3, 0.4])
        var budget = RetryBudget()
        var attempt = RoutingAttempt(powerKW: 11)
        #expect(Self.offered(&view, attempt: &attempt, budget: &budget) == [0, 1, 2], "default: 3 attempts")
        #expect(attempt.stop == .attemptLimit)
        var single = RoutingAttempt(powerKW: 11, maxAttempts: 1)
        #expect(Self.offered(&view, attempt: &single, budget: &budget) == [0])
        #expect(single.stop == .attemptLimit)
    }

    /// The view says every substation is full: routing stops before calling anyone.
    @Test func aFullViewOffersNothing() {
        var view = LoadView(urls: (0..<4).map { "http://s\($0)" })
        for index in 0..<4 {
            view.scrapeSucceeded(
                LoadView.ScrapeTicket(substation: index, takenAt: 0),
                figures: LoadViewTests.figures(index, load: 0.9, active: 5, points: 5), at: 0)
        }
        var attempt = RoutingAttempt(powerKW: 11)
        var budget = RetryBudget()
        #expect(Self.offered(&view, attempt: &attempt, budget: &budget).isEmpty)
        #expect(attempt.stop == .noneCanAdmit)
        #expect(view.hasRoutableSubstation, "up, only full")
        #expect(budget.recent(at: 0) == (requests: 1, retries: 0))
    }

    /// A substation with one free point takes one car; the next car of the same burst, before
    /// any scrape, is not sent there: the pending dispatch holds the point.
    @Test func pendingDispatchesTakePointsInTheView() {
        var view = LoadView(urls: ["http://s0", "http://s1"])
        for index in 0..<2 {
            view.scrapeSucceeded(
                LoadView.ScrapeTicket(substation: index, takenAt: 0),
                figures: LoadViewTests.figures(index, load: 0.5, active: 4, points: 5), at: 0)
        }
        var budget = RetryBudget()
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 3)
        var placed: [Int] = []
        for _ in 0..<3 {
            var attempt = RoutingAttempt(powerKW: 11)
            if let candidate = attempt.next(view: &view, policy: &policy, budget: &budget, at: 0, using: &generator) {
                placed.append(candidate.substation)
                attempt.admitted(view: &view, at: 0.1)
            } else {
                #expect(attempt.stop == .noneCanAdmit)
            }
        }
        #expect(placed.sorted() == [0, 1], "one car per free point, the third refused by the view: \(placed)")
    }

    /// The admission floor: (capacity - base load) / (active + pending + 1) must stay at 1.4 kW.
    @Test func theViewSkipsASubstationThatCannotMeetTheFloor() {
        var view = LoadView(urls: ["http://s0", "http://s1"])
        // 100 kW, 86 kW of base load: 14 kW for EVs, 9 sessions: a tenth would get 1.4 kW, an eleventh 1.27.
        let tight = ScrapedFigures(
            substationId: "S1", load: 0.2, capacityKW: 100, powerKW: 0, activeSessions: 9, chargingPoints: 50, baseLoadKW: 86)
        let roomy = ScrapedFigures(
            substationId: "S2", load: 0.9, capacityKW: 100, powerKW: 0, activeSessions: 9, chargingPoints: 50, baseLoadKW: 10)
        view.scrapeSucceeded(LoadView.ScrapeTicket(substation: 0, takenAt: 0), figures: tight, at: 0)
        view.scrapeSucceeded(LoadView.ScrapeTicket(substation: 1, takenAt: 0), figures: roomy, at: 0)
        #expect(view.substations[0].meetsAdmissionFloor, "10 sessions on 14 kW: 1.4 kW each")
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 4)
        var budget = RetryBudget()
        var first = RoutingAttempt(powerKW: 11)
        let firstChoice = first.next(view: &view, policy: &policy, budget: &budget, at: 0, using: &generator)
        #expect(firstChoice?.substation == 0)
        first.admitted(view: &view, at: 0)
        #expect(!view.substations[0].meetsAdmissionFloor, "an eleventh would get 1.27 kW")
        var second = RoutingAttempt(powerKW: 11)
        let secondChoice = second.next(view: &view, policy: &policy, budget: &budget, at: 0, using: &generator)
        #expect(secondChoice?.substation == 1)
    }

    @Test func retriesStopWhenTheBudgetIsSpent() {
        var view = LoadViewTests.scrapedView(loads: [0.1, 0.2, 0.3, 0.4])
        var budget = RetryBudget(ratio: 0.2, minimumRetries: 2)
        var offered: [Int] = []
        for _ in 0..<5 {
            var attempt = RoutingAttempt(powerKW: 11)
            offered.append(Self.offered(&view, attempt: &attempt, budget: &budget).count)
        }
        // The floor of 2 retries goes to the first car; then 5 requests earn 1 retry, already spent.
        #expect(offered == [3, 1, 1, 1, 1], "substations offered per car: \(offered)")
        #expect(budget.recent(at: 0) == (requests: 5, retries: 2))
        // Ten seconds later the window is fresh.
        var later = RoutingAttempt(powerKW: 11)
        #expect(Self.offered(&view, attempt: &later, budget: &budget, at: 10).count == 3)
    }

    @Test func anAdmissionStaysCountedUntilAScrapeShowsIt() {
        var view = LoadViewTests.scrapedView()
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 1)
        var budget = RetryBudget()
        var attempt = RoutingAttempt(powerKW: 40)
        let candidate = attempt.next(view: &view, policy: &policy, budget: &budget, at: 0, using: &generator)!
        attempt.admitted(view: &view, at: 1)
        #expect(view.substations[candidate.substation].pendingDispatches == 1)
    }

    @Test func withoutAccountingNothingIsCounted() {
        var view = LoadViewTests.scrapedView()
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 1)
        var budget = RetryBudget()
        var attempt = RoutingAttempt(powerKW: 40, accountsOwnDispatches: false)
        _ = attempt.next(view: &view, policy: &policy, budget: &budget, at: 0, using: &generator)
        attempt.admitted(view: &view, at: 1)
        #expect(view.substations.allSatisfy { $0.pendingDispatches == 0 })
    }
}

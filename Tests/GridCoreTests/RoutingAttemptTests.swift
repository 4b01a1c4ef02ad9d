import GridCore
import Testing

@Suite struct RoutingAttemptTests {
    @Test func offersEachSubstationOnceThenGivesUp() {
        var view = LoadViewTests.scrapedView(loads: [0.1, 0.2, 0.3, 0.4])
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 1)
        var attempt = RoutingAttempt(powerKW: 11)
        var offered: [Int] = []
        while let candidate = attempt.next(view: &view, policy: &policy, using: &generator) {
            offered.append(candidate.substation)
            attempt.refused(view: &view)
        }
        #expect(offered == [0, 1, 2, 3])
        #expect(view.substations.allSatisfy { $0.pendingDispatches == 0 }, "refusals leave nothing counted")
    }

    @Test func anAdmissionStaysCountedUntilAScrapeShowsIt() {
        var view = LoadViewTests.scrapedView()
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 1)
        var attempt = RoutingAttempt(powerKW: 40)
        let candidate = attempt.next(view: &view, policy: &policy, using: &generator)!
        attempt.admitted(view: &view, at: 1)
        #expect(view.substations[candidate.substation].pendingDispatches == 1)
    }

    @Test func withoutAccountingNothingIsCounted() {
        var view = LoadViewTests.scrapedView()
        var policy = RoutingPolicy(.leastLoad)
        var generator = SeededGenerator(seed: 1)
        var attempt = RoutingAttempt(powerKW: 40, accountsOwnDispatches: false)
        _ = attempt.next(view: &view, policy: &policy, using: &generator)
        attempt.admitted(view: &view, at: 1)
        #expect(view.substations.allSatisfy { $0.pendingDispatches == 0 })
    }
}

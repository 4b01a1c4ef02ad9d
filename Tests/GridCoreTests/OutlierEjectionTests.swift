import GridCore
import Testing

/// Outlier ejection with backoff and slow start, as Envoy and HAProxy do them.
@Suite struct OutlierEjectionTests {
    static func figures(_ index: Int, load: Double) -> ScrapedFigures {
        ScrapedFigures(substationId: "S\(index)", load: load, capacityKW: 100, powerKW: 0, activeSessions: 0, chargingPoints: 50)
    }

    @Test func eachEjectionLastsTwiceAsLongAndIsForgivenAfterAMinuteUp() {
        var health = SubstationHealth(ejectionBaseSeconds: 1)
        #expect(health.scrapeSucceeded(at: 0) == .markedUp)
        #expect(health.failed(refused: true, at: 10) == .markedDown)
        #expect(health.scrapeSucceeded(at: 10.5) == nil, "still ejected for 1 s")
        #expect(health.scrapeSucceeded(at: 11) == .markedUp)
        #expect(health.failed(refused: true, at: 12) == .markedDown)
        #expect(health.scrapeSucceeded(at: 13.9) == nil, "second ejection: 2 s")
        #expect(health.scrapeSucceeded(at: 14) == .markedUp)
        #expect(health.failed(refused: true, at: 15) == .markedDown)
        #expect(health.scrapeSucceeded(at: 18.9) == nil, "third: 4 s")
        #expect(health.scrapeSucceeded(at: 19) == .markedUp)
        #expect(health.ejections == 3)
        _ = health.scrapeSucceeded(at: 80)  // a minute up
        #expect(health.ejections == 0)
        #expect(health.failed(refused: true, at: 81) == .markedDown)
        #expect(health.scrapeSucceeded(at: 82) == .markedUp, "forgiven: back to 1 s")
    }

    @Test func ejectionNeverExceedsItsCap() {
        var health = SubstationHealth(ejectionBaseSeconds: 1)
        var time = 0.0
        for _ in 0..<12 {
            _ = health.scrapeSucceeded(at: time + 1_000)
            time += 1_000
            _ = health.failed(refused: true, at: time)
        }
        #expect(health.ejectedUntil - time == SubstationHealth.maximumEjectionSeconds)
    }

    @Test func theLastRoutableSubstationIsNeverEjectedForSlowness() {
        var view = LoadView(urls: ["a", "b"], ejectionBaseSeconds: 1)
        for index in 0..<2 {
            view.scrapeSucceeded(LoadView.ScrapeTicket(substation: index, takenAt: 0), figures: Self.figures(index, load: 0.2), at: 0)
        }
        _ = view.scrapeFailed(LoadView.ScrapeTicket(substation: 1, takenAt: 1), refused: true)  // b is down
        for _ in 0..<5 {
            let ticket = view.reserve(0, powerKW: 11)
            view.release(ticket, failure: .unreachable)
        }
        #expect(view.substations[0].health.isUp, "a stays: it is all there is")
        #expect(view.pool(excluding: []).eligibleCount == 1)
    }

    @Test func aSubstationThatComesBackRegainsTrafficGradually() {
        var view = LoadView(urls: ["a", "b"], ejectionBaseSeconds: 1, slowStartSeconds: 10)
        func scrape(_ index: Int, at time: Double, load: Double) {
            view.scrapeSucceeded(
                LoadView.ScrapeTicket(substation: index, takenAt: time), figures: Self.figures(index, load: load), at: time)
        }
        scrape(0, at: 0, load: 0.5)
        scrape(1, at: 0, load: 0.5)
        #expect(view.candidates(excluding: []).map(\.effectiveLoad) == [0.5, 0.5], "no penalty at the first start")
        _ = view.scrapeFailed(LoadView.ScrapeTicket(substation: 1, takenAt: 1), refused: true)
        scrape(1, at: 5, load: 0.1)  // back, and empty
        scrape(0, at: 5, load: 0.5)
        let atReturn = view.candidates(excluding: [])[1].effectiveLoad
        #expect(abs(atReturn - 0.6) < 1e-9, "0.1 + the full penalty of 0.5: \(atReturn)")
        scrape(0, at: 10, load: 0.5)
        scrape(1, at: 10, load: 0.1)
        let halfway = view.candidates(excluding: [])[1].effectiveLoad
        #expect(abs(halfway - 0.35) < 1e-9, "half the penalty after 5 of 10 s: \(halfway)")
        scrape(1, at: 15, load: 0.1)
        #expect(view.candidates(excluding: []).map(\.effectiveLoad) == [0.5, 0.1], "no penalty after 10 s")
    }
}

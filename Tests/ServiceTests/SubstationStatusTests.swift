import Foundation
import GridCore
import Testing

@testable import Balancer

/// What `GET /substations` shows of the balancer's own dispatches to a substation.
@Suite struct SubstationStatusTests {
    @Test func dispatchesInFlightAreShownApartFromThoseAnswered() throws {
        var view = LoadView(urls: ["http://s1"])
        let figures = ScrapedFigures(substationId: "S1", load: 0.1, capacityKW: 400, powerKW: 40, activeSessions: 1, chargingPoints: 20)
        view.scrapeSucceeded(LoadView.ScrapeTicket(substation: 0, takenAt: 0), figures: figures, at: 0)
        let answered = view.reserve(0, powerKW: 11)
        _ = view.reserve(0, powerKW: 11)
        view.confirm(answered, at: 1)
        let status = SubstationStatus(view.substations[0], now: 1)
        #expect(status.pendingDispatches == 2)
        #expect(status.inFlightDispatches == 1)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(status)) as? [String: Any]
        #expect(json?["inFlightDispatches"] as? Int == 1)
    }
}

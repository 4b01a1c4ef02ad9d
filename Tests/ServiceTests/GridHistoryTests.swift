import Foundation
import Testing

@testable import Gateway

/// The gateway's five minutes of grid samples: bounded by time, oldest first.
@Suite struct GridHistoryTests {
    static func grid(load: Double) -> GridSummary {
        GridSummary(
            policy: "least-load",
            substations: [
                .init(
                    id: "S1", url: "http://s1", up: true, drained: nil, retired: nil, load: load, effectiveLoad: load, capacityKW: 400,
                    powerKW: 100, activeSessions: 3, chargingPoints: 12),
                // Not scraped yet: no id, nothing to draw.
                .init(
                    id: nil, url: "http://s2", up: false, drained: nil, retired: nil, load: nil, effectiveLoad: nil, capacityKW: nil,
                    powerKW: nil, activeSessions: nil, chargingPoints: nil),
            ], recentDecisions: nil)
    }

    @Test func keepsTheLastFiveMinutesOnly() throws {
        var history = GridHistory()
        for second in 0..<400 { history.record(Self.grid(load: Double(second) / 1000), at: 1_700_000_000 + Double(second)) }
        #expect(history.samples.count == 301, "seconds 99 to 399")
        #expect(history.samples.first?.substations.first?.load == 0.099)
        #expect(history.samples.allSatisfy { $0.substations.map(\.id) == ["S1"] })
        let decoded = try JSONDecoder().decode(GridHistory.self, from: try JSONEncoder().encode(history))
        #expect(decoded.samples.map(\.time) == history.samples.map(\.time))
    }
}

import AsyncHTTPClient
import Foundation
import LoadTest
import Testing

/// The load tester against a real grid: what it counts is what the grid counts.
@Suite(.serialized) struct LoadTestEndToEndTests {
    @Test func perSubstationCountsEqualTheGridsOwn() async throws {
        let grid = try await TestGrid.start(GridEndToEndTests.unequal)
        defer { grid.stop() }
        let client = LoadTestRunner.makeClient(connections: 16)
        let report = await LoadTestRunner(
            plan: LoadTestPlan(target: grid.gateway.url, mode: .closed(requests: 300, concurrency: 16), seed: 5), client: client
        ).run()
        try await client.shutdown()
        #expect(report.requests == 300)
        try await TestHTTP.withClient { http in
            let metrics = try await grid.substationMetrics(http)
            var admitted: [String: Int] = [:]
            for (index, samples) in metrics.enumerated() {
                let count = Int(samples.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) ?? 0)
                if count > 0 { admitted["S\(index + 1)"] = count }
            }
            #expect(report.assignments == admitted, "load tester \(report.assignments) vs grid \(admitted)")
            #expect(report.assignments.values.reduce(0, +) == report.statuses["201"] ?? -1)
        }
    }
}

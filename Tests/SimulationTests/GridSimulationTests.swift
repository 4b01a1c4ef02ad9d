import Foundation
import GridCore
import Simulation
import Testing

@Suite struct GridSimulationTests {
    /// Arrivals far faster than the poll interval: 200 a minute, a scrape a minute, 20 substations.
    static let burstScenario = SimulationScenario(
        capacitiesKW: SimulationScenario.realisticCapacities(count: 20, seed: 3), requests: 500, arrivalsPerMinute: 200,
        pollIntervalSeconds: 60, seed: 3)

    static func run(_ scenario: SimulationScenario) -> [String: PolicyResult] {
        Dictionary(
            uniqueKeysWithValues: SimulatedPolicy.allCases.map { ($0.rawValue, GridSimulation(scenario: scenario, policy: $0).run()) })
    }

    @Test func staleLeastLoadHerdsAndAccountingFixesIt() {
        let results = Self.run(Self.burstScenario)
        let leastLoad = results["least-load"]!.loadMaxMean
        let random = results["random"]!.loadMaxMean
        let stale = results["least-load-stale"]!.loadMaxMean
        #expect(leastLoad <= random, "least-load \(leastLoad) vs random \(random)")
        #expect(stale > random, "least-load-stale \(stale) vs random \(random)")
        #expect(results["least-load"]!.jain >= results["random"]!.jain)
    }

    @Test func noPolicyEverOverloadsATransformer() {
        var scenario = Self.burstScenario
        scenario.requests = 1_500  // far more than the points: the grid saturates
        for (policy, result) in Self.run(scenario) {
            #expect(result.capacityViolations == 0, "\(policy)")
            #expect(result.admitted + result.rejected == 1_500, "\(policy): every request is accounted for")
            #expect(result.rejected > 0, "\(policy): a saturated grid refuses some")
            #expect(result.energyDeliveredRatio <= 1 + 1e-9)
        }
    }

    @Test func sameSeedSameBytes() throws {
        let first = try SimulationOutput.json(
            SimulationReport(
                scenario: Self.burstScenario, results: Array(Self.run(Self.burstScenario).values).sorted { $0.policy < $1.policy }))
        let second = try SimulationOutput.json(
            SimulationReport(
                scenario: Self.burstScenario, results: Array(Self.run(Self.burstScenario).values).sorted { $0.policy < $1.policy }))
        #expect(first == second)
        var other = Self.burstScenario
        other.seed = 4
        let third = try SimulationOutput.json(
            SimulationReport(scenario: other, results: Array(Self.run(other).values).sorted { $0.policy < $1.policy }))
        #expect(first != third)
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let result = GridSimulation(scenario: Self.burstScenario, policy: .p2c).run()
        let data = try SimulationOutput.json(SimulationReport(scenario: Self.burstScenario, results: [result]))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["scenario"] is [String: Any])
        let first = try #require((object["results"] as? [[String: Any]])?.first)
        for key in [
            "policy", "energyDeliveredRatio", "demandsMetRatio", "rejectedRatio", "capacityViolations", "loadMaxMean", "loadCoV", "jain",
        ] {
            #expect(first[key] != nil, "missing \(key)")
        }
        #expect(first["policy"] as? String == "p2c")
    }

    @Test func htmlReportIsSelfContained() {
        let results = Self.run(Self.burstScenario).values.sorted { $0.policy < $1.policy }
        let html = SimulationOutput.html(SimulationReport(scenario: Self.burstScenario, results: results))
        #expect(html.contains("<svg"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
        let withoutNamespace = html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        #expect(!withoutNamespace.contains("http://") && !withoutNamespace.contains("https://"), "nothing fetched from elsewhere")
        #expect(!html.contains("<script"))
    }
}

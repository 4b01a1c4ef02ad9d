import Foundation
import GridCore
import Simulation

// Benchmarks of the routing code and the policy lab. Run in release:
//   swift run -c release smartgrid-bench
// Figures are wall-clock on this machine; compare them side by side, not across machines.

func seconds(_ duration: Duration) -> Double {
    duration.inSeconds
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// A load view of `count` scraped substations with varied loads; `full`: every point taken.
func scrapedView(count: Int, full: Bool = false, generator: inout SeededGenerator) -> LoadView {
    var view = LoadView(urls: (0..<count).map { "S\($0)" })
    for index in 0..<count {
        let figures = ScrapedFigures(
            substationId: "S\(index)", load: Double.random(in: 0.1...0.9, using: &generator), capacityKW: 400, powerKW: 100,
            activeSessions: full ? 20 : 5, chargingPoints: full ? 20 : 1_000_000)
        view.scrapeSucceeded(LoadView.ScrapeTicket(substation: index, takenAt: 0), figures: figures, at: 0)
    }
    return view
}

// Usage: smartgrid-bench [decisions | full | lab [REQUESTS]]; with no argument, all three.
let arguments = Array(CommandLine.arguments.dropFirst())
let runDecisions = arguments.isEmpty || arguments[0] == "decisions"
let runFull = arguments.isEmpty || arguments[0] == "full"
let runLab = arguments.isEmpty || arguments[0] == "lab"
let labRequests = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000

if runDecisions {
    print("routing decision time (median of 2000 batches of 100 decisions)")
    print("policy        N    choose only (us)   full decision with accounting (us)")
    for name in PolicyName.allCases {
        for count in [10, 100, 1_000] {
            var generator = SeededGenerator(seed: 1)
            var view = scrapedView(count: count, generator: &generator)
            var policy = RoutingPolicy(name)
            let candidates = view.candidates(excluding: [])
            var chooseTimes: [Double] = []
            var fullTimes: [Double] = []
            var budget = RetryBudget()
            var sink = 0
            for _ in 0..<2_000 {
                let start = ContinuousClock.now
                for _ in 0..<100 { sink &+= policy.choose(among: candidates, using: &generator) ?? 0 }
                chooseTimes.append(seconds(ContinuousClock.now - start) / 100)
                let fullStart = ContinuousClock.now
                for _ in 0..<100 {
                    var attempt = RoutingAttempt(powerKW: 11)
                    if attempt.next(view: &view, policy: &policy, budget: &budget, at: 0, using: &generator) != nil {
                        attempt.refused(view: &view)
                    }
                }
                fullTimes.append(seconds(ContinuousClock.now - fullStart) / 100)
            }
            print(
                name.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0),
                String(count).padding(toLength: 5, withPad: " ", startingAt: 0),
                String(format: "%10.3f %28.3f", median(chooseTimes) * 1e6, median(fullTimes) * 1e6), sink == -1 ? "" : "")
        }
    }

}

if runFull {
    // A full grid: the view says no substation can admit, so a decision must answer at once,
    // at the same cost whatever the number of substations.
    print("\nrouting decision on a FULL grid (median of 200 batches of 1000 decisions, retry budget included)")
    print("policy        N        decision (us)   substations offered")
    for name in PolicyName.allCases {
        for count in [100, 1_000, 10_000] {
            var generator = SeededGenerator(seed: 1)
            var view = scrapedView(count: count, full: true, generator: &generator)
            var policy = RoutingPolicy(name)
            var budget = RetryBudget()
            var times: [Double] = []
            var offered = 0
            for batch in 0..<200 {
                let start = ContinuousClock.now
                for decision in 0..<1_000 {
                    var attempt = RoutingAttempt(powerKW: 11)
                    let time = Double(batch * 1_000 + decision) / 1_000
                    while attempt.next(view: &view, policy: &policy, budget: &budget, at: time, using: &generator) != nil {
                        offered += 1
                        attempt.refused(view: &view)
                    }
                }
                times.append(seconds(ContinuousClock.now - start) / 1_000)
            }
            print(
                name.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0),
                String(count).padding(toLength: 8, withPad: " ", startingAt: 0),
                String(format: "%10.3f %18d", median(times) * 1e6, offered))
        }
    }
}

if runLab {
    print("\npolicy lab: \(labRequests) requests over 1,000 substations")
    let scenario = SimulationScenario(
        capacitiesKW: SimulationScenario.realisticCapacities(count: 1_000, seed: 1), requests: labRequests, arrivalsPerMinute: 100,
        pollIntervalSeconds: 60, sampleIntervalSeconds: 600, seed: 1)
    for policy in [SimulatedPolicy.leastLoad, .p2c] {
        let start = ContinuousClock.now
        let result = GridSimulation(scenario: scenario, policy: policy).run()
        let elapsed = seconds(ContinuousClock.now - start)
        print(
            String(
                format: "%@: %.2f s wall (%.0f requests/s), admitted %d, rejected %d, violations %d, max/mean %.3f", policy.rawValue,
                elapsed, Double(result.requests) / elapsed, result.admitted, result.rejected, result.capacityViolations, result.loadMaxMean)
        )
    }
}

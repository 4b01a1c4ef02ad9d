import ArgumentParser
import Foundation
import GridCore
import Simulation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Compare routing policies on a simulated grid, with the production routing code and no network.")

    @Option(help: "Number of substations, capacities drawn from a realistic mix (250-1000 kW).")
    var substations = 20

    @Option(help: "Comma-separated capacities in kW, instead of the mix (e.g. 250,400,400,630).")
    var capacities: String?

    @Option(help: "Charge requests to simulate.")
    var requests = 500

    @Option(help: "Arrivals per simulated minute (Poisson; the peak rate with --rush-hour).")
    var rate: Double = 200

    @Flag(help: "Ramp arrivals up to the peak and down again over the run.")
    var rushHour = false

    @Option(help: "Simulated seconds between two scrapes of every substation.")
    var pollInterval: Double = 60

    @Option(help: "Comma-separated policies: least-load, p2c, round-robin, random, least-load-stale.")
    var policies = SimulatedPolicy.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Seed: the same seed and arguments give byte-identical JSON.")
    var seed: UInt64 = 1

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Option(help: "Write a self-contained HTML report with charts to this file.")
    var html: String?

    @Option(help: "Run every policy at several poll intervals, e.g. poll-interval=1,10,60,300.")
    var sweep: String?

    func validate() throws {
        _ = try parsedPolicies()
        _ = try parsedCapacities()
        _ = try sweepIntervals()
        guard (1...100_000).contains(substations) else { throw ValidationError("--substations must be between 1 and 100000") }
        guard (1...100_000_000).contains(requests) else { throw ValidationError("--requests must be between 1 and 100000000") }
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be above 0") }
        guard pollInterval > 0, pollInterval.isFinite else { throw ValidationError("--poll-interval must be above 0") }
    }

    func parsedPolicies() throws -> [SimulatedPolicy] {
        try policies.split(separator: ",").map { name in
            guard let policy = SimulatedPolicy(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(
                    "unknown policy '\(name)'; choose from \(SimulatedPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return policy
        }
    }

    func parsedCapacities() throws -> [Double]? {
        guard let capacities else { return nil }
        return try capacities.split(separator: ",").map { text in
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else {
                throw ValidationError("--capacities takes positive numbers separated by commas, got '\(text)'")
            }
            return value
        }
    }

    func sweepIntervals() throws -> [Double]? {
        guard let sweep else { return nil }
        guard sweep.hasPrefix("poll-interval=") else { throw ValidationError("--sweep takes poll-interval=S1,S2,..., got '\(sweep)'") }
        return try sweep.dropFirst("poll-interval=".count).split(separator: ",").map { text in
            guard let value = Double(text), value > 0, value.isFinite else {
                throw ValidationError("--sweep poll intervals must be positive numbers, got '\(text)'")
            }
            return value
        }
    }

    func run() async throws {
        let capacities = try parsedCapacities() ?? SimulationScenario.realisticCapacities(count: substations, seed: seed)
        let scenario = SimulationScenario(
            capacitiesKW: capacities, requests: requests, arrivalsPerMinute: rate, rushHour: rushHour,
            pollIntervalSeconds: pollInterval, seed: seed)
        let intervals = try sweepIntervals() ?? [pollInterval]
        var runs: [GridSimulation] = []
        for interval in intervals {
            var variant = scenario
            variant.pollIntervalSeconds = interval
            runs += try parsedPolicies().map { GridSimulation(scenario: variant, policy: $0) }
        }
        let results = await withTaskGroup(of: (Int, PolicyResult).self) { group in
            for (index, simulation) in runs.enumerated() {
                group.addTask { (index, simulation.run()) }
            }
            var results = [PolicyResult?](repeating: nil, count: runs.count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
        printLine(
            "\(capacities.count) substations, \(Int(capacities.reduce(0, +))) kW; \(requests) requests at \(rate)/min"
                + (rushHour ? " (rush hour)" : "") + "; seed \(seed)")
        printLine(SimulationOutput.table(results))
        if intervals.count > 1 { printLine("\n" + SimulationOutput.sweepTable(results)) }
        let report = SimulationReport(scenario: scenario, results: results)
        if let json { try SimulationOutput.json(report).write(to: URL(fileURLWithPath: json)) }
        if let html { try SimulationOutput.html(report).write(to: URL(fileURLWithPath: html), atomically: true, encoding: .utf8) }
    }
}

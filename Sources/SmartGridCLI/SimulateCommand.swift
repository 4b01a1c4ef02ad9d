import ArgumentParser
import Foundation
import GridCore
import Simulation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract:
            "Compare routing policies and power allocations on a simulated grid or a replayed trace, with the production code and no network."
    )

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

    @Option(help: "Comma-separated power allocations: water-filling, edf, llf, receding-horizon (default: all).")
    var allocations = PowerAllocation.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Replay the sessions of this CSV (format: ../shared/data/README.md) instead of generated traffic.")
    var trace: String?

    @Option(help: "Charging points per substation: one number for all, or comma-separated (default: 1 per 20 kW, at least 4).")
    var chargingPoints: String?

    @Option(help: "Most power one charging point delivers, in kW.")
    var pointMaxKw: Double = 50

    @Option(help: "Mean non-EV demand as a fraction of capacity (0 turns it off).")
    var baseLoad: Double = 0.3

    @Option(help: "Admission keeps every session at or above this many kW (0: every car with a free point plugs in).")
    var admissionFloorKw: Double = SubstationSpec.minimumSessionPowerKW

    @Option(help: "Write one CSV row per session of the trace (id, substation, admitted, energy, status, end time).")
    var sessionsOut: String?

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
        _ = try parsedAllocations()
        _ = try parsedCapacities()
        _ = try parsedChargingPoints(count: nil)
        guard pointMaxKw > 0, pointMaxKw.isFinite else { throw ValidationError("--point-max-kw must be above 0") }
        guard (0..<BaseLoadCurve.ceilingFraction).contains(baseLoad) else {
            throw ValidationError("--base-load must be at least 0 and below \(BaseLoadCurve.ceilingFraction)")
        }
        guard admissionFloorKw >= 0, admissionFloorKw.isFinite else { throw ValidationError("--admission-floor-kw must be 0 or more") }
        if trace != nil, capacities == nil { throw ValidationError("--trace needs --capacities (one per substation)") }
        if sessionsOut != nil, trace == nil { throw ValidationError("--sessions-out needs --trace") }
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

    func parsedAllocations() throws -> [PowerAllocation] {
        try allocations.split(separator: ",").map { name in
            guard let allocation = PowerAllocation(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(
                    "unknown allocation '\(name)'; choose from \(PowerAllocation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return allocation
        }
    }

    /// Points per substation: one figure for all, or one each; nil: the scenario's default.
    /// Without `count`, only the syntax is checked.
    func parsedChargingPoints(count: Int?) throws -> [Int]? {
        guard let chargingPoints else { return nil }
        let values = try chargingPoints.split(separator: ",").map { text in
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value > 0 else {
                throw ValidationError("--charging-points takes positive whole numbers separated by commas, got '\(text)'")
            }
            return value
        }
        guard let count else { return values }
        if values.count == 1 { return [Int](repeating: values[0], count: count) }
        guard values.count == count else {
            throw ValidationError("--charging-points has \(values.count) figures for \(count) substations")
        }
        return values
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
        var loaded: SessionTrace?
        if let trace {
            do {
                let text = try String(contentsOf: URL(fileURLWithPath: trace), encoding: .utf8)
                loaded = try SessionTrace.parse(text, file: trace)
            } catch let error as TraceError {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode.failure
            } catch {
                FileHandle.standardError.write(Data("\(trace):1: cannot read the file: \(error.localizedDescription)\n".utf8))
                throw ExitCode.failure
            }
        }
        let capacities = try parsedCapacities() ?? SimulationScenario.realisticCapacities(count: substations, seed: seed)
        if let loaded, loaded.substationIds.count > capacities.count {
            throw ValidationError(
                "the trace names \(loaded.substationIds.count) substations (\(loaded.substationIds.joined(separator: ", "))) "
                    + "but --capacities gives \(capacities.count)")
        }
        let scenario = SimulationScenario(
            capacitiesKW: capacities, chargingPoints: try parsedChargingPoints(count: capacities.count), pointMaxKW: pointMaxKw,
            baseLoadFraction: baseLoad, requests: loaded?.records.count ?? requests, arrivalsPerMinute: rate, rushHour: rushHour,
            pollIntervalSeconds: pollInterval, sampleIntervalSeconds: loaded == nil ? 10 : 300, seed: seed,
            admissionFloorKW: admissionFloorKw, trace: trace)
        let intervals = try sweepIntervals() ?? [pollInterval]
        // Routing policies only matter for cars the trace leaves free.
        var policies = try parsedPolicies()
        if let loaded, !loaded.records.contains(where: { $0.substationId == nil }) { policies = Array(policies.prefix(1)) }
        var runs: [GridSimulation] = []
        for interval in intervals {
            var variant = scenario
            variant.pollIntervalSeconds = interval
            for policy in policies {
                runs += try parsedAllocations().map { GridSimulation(scenario: variant, policy: policy, allocation: $0, trace: loaded) }
            }
        }
        let recordSessions = sessionsOut != nil
        let outcomes = await withTaskGroup(of: (Int, PolicyResult, [SessionOutcome]).self) { group in
            for (index, simulation) in runs.enumerated() {
                group.addTask {
                    if recordSessions {
                        let run = simulation.runRecordingSessions()
                        return (index, run.result, run.sessions)
                    }
                    return (index, simulation.run(), [])
                }
            }
            var outcomes = [(PolicyResult, [SessionOutcome])?](repeating: nil, count: runs.count)
            for await (index, result, sessions) in group { outcomes[index] = (result, sessions) }
            return outcomes.map { $0! }
        }
        let results = outcomes.map(\.0)
        let optimum = GridSimulation.offlineOptimum(scenario: scenario, trace: loaded)
        if let loaded {
            printLine(
                "\(trace!): \(loaded.records.count) sessions, \(SimulationOutput.number(loaded.energyRequestedKWh, 1)) kWh asked for; "
                    + "\(capacities.count) substations, \(SimulationOutput.number(capacities.reduce(0, +), 1)) kW")
        } else {
            printLine(
                "\(capacities.count) substations, \(Int(capacities.reduce(0, +))) kW; \(requests) requests at \(rate)/min"
                    + (rushHour ? " (rush hour)" : "") + "; seed \(seed)")
        }
        printLine(SimulationOutput.table(results, optimum: optimum))
        if intervals.count > 1 { printLine("\n" + SimulationOutput.sweepTable(results)) }
        let report = SimulationReport(scenario: scenario, results: results, offlineOptimum: optimum)
        if let json { try SimulationOutput.json(report).write(to: URL(fileURLWithPath: json)) }
        if let html { try SimulationOutput.html(report).write(to: URL(fileURLWithPath: html), atomically: true, encoding: .utf8) }
        if let sessionsOut {
            let rows = zip(results, outcomes.map(\.1)).map { ($0.policy, $0.allocation, $1) }
            try SimulationOutput.sessionsCSV(rows).write(to: URL(fileURLWithPath: sessionsOut), atomically: true, encoding: .utf8)
        }
    }
}

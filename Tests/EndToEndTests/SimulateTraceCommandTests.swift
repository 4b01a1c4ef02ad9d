import Foundation
import Testing

/// `smartgrid simulate --trace` as a user runs it: the one-day Caltech example (ACN-Data: Lee, Li
/// and Low, e-Energy 2019), its JSON and per-session CSV, and a bad trace refused with its line.
@Suite struct SimulateTraceCommandTests {
    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-\(UUID().uuidString)-\(name)")
    }

    @Test func replaysATraceWithEveryAllocationBesideTheOptimum() throws {
        let json = Self.temporaryFile("report.json")
        let sessions = Self.temporaryFile("sessions.csv")
        defer {
            try? FileManager.default.removeItem(at: json)
            try? FileManager.default.removeItem(at: sessions)
        }
        let (status, output) = try Tools.run(
            ServiceProcess.binary.path,
            [
                "simulate", "--trace", Tools.path("examples/caltech-2019-03-04.csv").path, "--capacities", "20", "--charging-points", "54",
                "--point-max-kw", "6.6", "--base-load", "0", "--admission-floor-kw", "0", "--json", json.path, "--sessions-out",
                sessions.path,
            ])
        #expect(status == 0, "\(output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let optimum = try #require((report["offlineOptimum"] as? [String: Any])?["energyDeliveredRatio"] as? Double)
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["allocation"] as? String } == ["water-filling", "edf", "llf", "receding-horizon"])
        for result in results {
            let energy = try #require(result["energyDeliveredRatio"] as? Double)
            #expect(energy <= optimum + 1e-9 && energy > 0.5, "\(result["allocation"] ?? "?"): \(energy) vs optimum \(optimum)")
            #expect(result["policy"] as? String == "least-load")
        }
        let rows = try String(contentsOf: sessions, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "policy,allocation,session_id,substation_id,admitted,energy_requested_kwh,energy_delivered_kwh,status,end_s")
        #expect(rows.count == 1 + 4 * 39, "one row per session and allocation")
        #expect(output.contains("receding-horizon") && output.contains("optimum"))
    }

    @Test func aBadTraceSaysWhereAndSimulatesNothing() throws {
        let trace = Self.temporaryFile("bad.csv")
        let json = Self.temporaryFile("report.json")
        defer { try? FileManager.default.removeItem(at: trace) }
        try Data(
            "session_id,arrival_s,departure_s,energy_kwh,max_power_kw,station_id,substation_id\na,600,300,5,6.6,x,caltech\n".utf8
        ).write(to: trace)
        let (status, output) = try Tools.run(
            ServiceProcess.binary.path, ["simulate", "--trace", trace.path, "--capacities", "20", "--json", json.path])
        #expect(status == 1)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(trace.path):2: departure_s 300 is not after arrival_s 600")
        #expect(!FileManager.default.fileExists(atPath: json.path))
    }
}

import Foundation
import Testing

/// `scripts/bench-proxy.sh` runs end to end with small numbers on the debug binary: every path
/// answers, and the table it prints has a rate for each. Its figures are for release builds and
/// are not asserted here (speed lives in the benchmark, not in tests).
@Suite(.serialized) struct BenchmarkScriptTests {
    @Test func benchProxyRunsEveryPathForASecond() throws {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("bench-proxy-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let result = try Tools.run(
            "env",
            [
                "SMARTGRID_BIN=\(ServiceProcess.binary.path)", "BENCH_TIMEOUT=240", "bash", Tools.path("scripts/bench-proxy.sh").path,
                "--seconds", "1", "--rounds", "1", "--warmup", "0", "--connections", "4", "--threads", "1", "--json", json.path,
            ])
        #expect(result.status == 0, "\(result.output)")
        for row in ["HAProxy leastconn", "bare SwiftNIO forwarder", "balancer POST /route", "gateway POST /api/v1/charge-requests"] {
            #expect(result.output.contains("| \(row)"), "no row \(row) in:\n\(result.output)")
        }
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
        let medians = try #require(report?["medians"] as? [String: [String: Any]])
        for path in ["haproxy", "forwarder", "balancer", "gateway"] {
            let rate = medians[path]?["rps"] as? Double ?? 0
            #expect(rate > 0, "\(path) served no request: \(result.output)")
            #expect((medians[path]?["non2xx"] as? Int ?? -1) == 0, "\(path) answered something other than 201: \(result.output)")
        }
    }

    /// Runs after the benchmark above (the suite is serialized), which installs `wrk` and
    /// `haproxy` when they are missing.
    @Test func profileHopRunsEachHopForASecond() throws {
        for mode in ["balancer", "gateway", "haproxy", "forwarder"] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("profile-hop-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let result = try Tools.run(
                "env", ["MODE=\(mode)", "bash", Tools.path("scripts/profile-hop.sh").path, ServiceProcess.binary.path, folder.path, "1"])
            #expect(result.status == 0, "\(result.output)")
            let line = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("\(mode): ") }, "\(result.output)")
            let rate = Double(line.dropFirst(mode.count + 2).prefix { $0 != " " }) ?? 0
            #expect(rate > 0, "\(mode) served no request: \(result.output)")
            #expect(line.contains("us/req (user "), "\(line)")
            #expect(result.output.contains("substations together: CPU "), "\(result.output)")
            #expect(!result.output.contains("Non-2xx"), "\(mode) answered something other than 201: \(result.output)")
        }
        let wrong = try Tools.run(
            "env", ["MODE=bogus", "bash", Tools.path("scripts/profile-hop.sh").path, ServiceProcess.binary.path, "/tmp/x"])
        #expect(wrong.status == 2 && wrong.output.contains("MODE must be"), "\(wrong.output)")
    }
}

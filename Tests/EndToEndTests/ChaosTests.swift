import Foundation
import GridCore
import Testing

/// Faults during a 30 s rush, through real processes: a substation killed with SIGKILL and
/// restarted, one slowed past the dispatch timeout, one serving garbage on /metrics. Every
/// request must get 201 or a documented error (502/503/504), the sessions the substations hold
/// must be exactly the 201s, and every 201 must still be found afterwards.
@Suite(.serialized) struct ChaosTests {
    struct Fault: Sendable {
        var at: Duration
        var what: String
        var act: @Sendable () async throws -> Void
    }

    @Test func aRushThroughKillsSlownessAndGarbageLosesNothing() async throws {
        let data = TestGrid.newDataDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let plan = TestGrid.SubstationPlan(capacityKW: 630, points: 400)
        var substations: [ServiceProcess] = []
        for index in 0..<4 {
            substations.append(try await TestGrid.startSubstation(index: index, plan: plan, port: 0, baseLoad: 0.2, dataDirectory: data))
        }
        let live = Locked(substations)
        // S2 and S3 sit behind fault proxies, whose mode files the test writes.
        let script = Tools.path("Tests/EndToEndTests/Support/fault_proxy.py").path
        var proxies: [ServiceProcess] = []
        var modeFiles: [URL] = []
        for index in [1, 2] {
            let modeFile = data.appendingPathComponent("proxy-\(index).mode")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            try Data("pass".utf8).write(to: modeFile)
            modeFiles.append(modeFile)
            proxies.append(
                try await ServiceProcess.start(
                    "fault-proxy-S\(index + 1)", ["python3", script, substations[index].url, modeFile.path],
                    executable: URL(fileURLWithPath: "/usr/bin/env")))
        }
        let routed = [substations[0].url, proxies[0].url, proxies[1].url, substations[3].url]
        let balancer = try await ServiceProcess.start(
            "balancer",
            ["balancer", "--port", "0", "--poll-interval", "0.5", "--log-level", "warning"] + routed.flatMap { ["--substation", $0] })
        let gateway = try await ServiceProcess.start(
            "gateway", ["gateway", "--port", "0", "--balancer", balancer.url, "--data-dir", data.appendingPathComponent("gateway").path])
        defer {
            _ = gateway.stop()
            _ = balancer.stop()
            // The proxies keep nothing: SIGKILL (the test runner may have SIGTERM blocked for them).
            for proxy in proxies { proxy.kill() }
            for process in live.withLock({ $0 }) { _ = process.stop() }
        }
        let files = modeFiles
        let setMode = { @Sendable (proxy: Int, mode: String) in try Data(mode.utf8).write(to: files[proxy]) }
        let faults: [Fault] = [
            Fault(at: .seconds(4), what: "S2 slow (3 s, past the 2 s timeout)") { try setMode(0, "slow") },
            Fault(at: .seconds(8), what: "S3 garbage on /metrics") { try setMode(1, "garbage") },
            Fault(at: .seconds(11), what: "S1 killed (SIGKILL)") { live.withLock { $0 }[0].kill() },
            Fault(at: .seconds(15), what: "S1 restarted on its journal") {
                let port = live.withLock { $0 }[0].port
                let process = try await TestGrid.startSubstation(index: 0, plan: plan, port: port, baseLoad: 0.2, dataDirectory: data)
                live.withLock { $0[0] = process }
            },
            Fault(at: .seconds(19), what: "S2 fast again") { try setMode(0, "pass") },
            Fault(at: .seconds(22), what: "S3 sane again") { try setMode(1, "pass") },
        ]

        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("every substation up") {
                let view = try await http.get(gateway.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                return view.count == 4 && view.allSatisfy { $0["up"] as? Bool == true }
            }
            let answers = try await rush(http, gateway: gateway.url, clients: 12, pause: .milliseconds(300), length: .seconds(30)) {
                start in
                for fault in faults {
                    try await Task.sleep(until: start + fault.at, clock: .continuous)
                    print("chaos at \(fault.at): \(fault.what)")
                    try await fault.act()
                }
            }
            let statuses = Dictionary(grouping: answers, by: \.status).mapValues(\.count)
            print("chaos rush: \(answers.count) requests, by status \(statuses)")
            #expect(Set(statuses.keys).isSubset(of: [201, 502, 503, 504]), "statuses: \(statuses)")
            #expect((statuses[201] ?? 0) > answers.count * 8 / 10, "most cars placed: \(statuses)")
            let booked = answers.compactMap { $0.status == 201 ? $0.id : nil }

            // Undos of orders whose answer was lost go out within a second or two of their substation answering.
            let kept = try await settledSessionsKept(http, by: live.withLock { $0 }, expected: booked.count)
            #expect(kept == booked.count, "sessions kept by the substations \(kept), answered 201: \(booked.count)")
            var missing: [String] = []
            for id in booked where try await http.get(gateway.url + "/api/v1/charge-requests/" + id).status != 200 {
                missing.append(id)
            }
            #expect(missing.isEmpty, "\(missing.count) booked ids not found, e.g. \(missing.prefix(3))")
        }
    }
}

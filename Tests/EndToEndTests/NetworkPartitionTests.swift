import Foundation
import GridCore
import Testing

/// A substation on another "host": its own network namespace behind a veth pair. Its link is cut
/// during a rush (packets vanish, nothing is refused) and restored. Needs root, as CI has.
@Suite(.serialized) struct NetworkPartitionTests {

    /// Runs `ip` with these arguments; fails the test if it fails.
    static func ip(_ arguments: [String]) throws {
        let (status, output) = try Tools.run("ip", arguments)
        guard status == 0 else { throw Tools.Missing(description: "ip \(arguments.joined(separator: " ")): \(output)") }
    }

    @Test(.enabled(if: Tools.canActAsRoot, "network namespaces need root"))
    func aSubstationWhoseLinkIsCutAndRestoredLosesNothing() async throws {
        let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
        let namespace = "sgtest-\(tag)"
        let hostSide = "sgh\(tag)"
        let farSide = "sgn\(tag)"
        let subnet = "10.213.\(Int.random(in: 1...250))"
        try Self.ip(["netns", "add", namespace])
        defer { _ = try? Tools.run("ip", ["netns", "del", namespace]) }
        try Self.ip(["link", "add", hostSide, "type", "veth", "peer", "name", farSide])
        defer { _ = try? Tools.run("ip", ["link", "del", hostSide]) }
        try Self.ip(["link", "set", farSide, "netns", namespace])
        try Self.ip(["addr", "add", "\(subnet).1/24", "dev", hostSide])
        try Self.ip(["link", "set", hostSide, "up"])
        try Self.ip(["netns", "exec", namespace, "ip", "addr", "add", "\(subnet).2/24", "dev", farSide])
        try Self.ip(["netns", "exec", namespace, "ip", "link", "set", farSide, "up"])
        try Self.ip(["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])

        let data = TestGrid.newDataDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let near = try await TestGrid.startSubstation(
            index: 0, plan: .init(capacityKW: 630, points: 400), port: 0, baseLoad: 0.2, dataDirectory: data)
        let far = try await ServiceProcess.start(
            "substation-S2-netns",
            [
                "netns", "exec", namespace, ServiceProcess.binary.path, "substation", "--host", "\(subnet).2", "--port", "7101", "--id",
                "S2", "--capacity-kw", "630", "--charging-points", "400", "--time-scale", "1", "--log-level", "warning", "--data-dir",
                data.appendingPathComponent("far").path,
            ], executable: URL(fileURLWithPath: "/usr/sbin/ip"))
        let balancer = try await ServiceProcess.start(
            "balancer",
            [
                "balancer", "--port", "0", "--poll-interval", "0.5", "--log-level", "warning", "--substation", near.url, "--substation",
                far.url,
            ])
        let gateway = try await ServiceProcess.start(
            "gateway", ["gateway", "--port", "0", "--balancer", balancer.url, "--data-dir", "none", "--log-level", "warning"])
        defer {
            _ = gateway.stop()
            _ = balancer.stop()
            _ = near.stop()
            far.kill()
        }

        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("both substations up, one across the veth") {
                let view = try await http.get(gateway.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                return view.count == 2 && view.allSatisfy { $0["up"] as? Bool == true }
            }
            let answers = try await rush(http, gateway: gateway.url, clients: 8, pause: .milliseconds(200), length: .seconds(20)) { start in
                try await Task.sleep(until: start + .seconds(5), clock: .continuous)
                print("partition at 5 s: link of S2 down")
                try Self.ip(["netns", "exec", namespace, "ip", "link", "set", farSide, "down"])
                try await Task.sleep(until: start + .seconds(12), clock: .continuous)
                print("partition at 12 s: link of S2 up")
                try Self.ip(["netns", "exec", namespace, "ip", "link", "set", farSide, "up"])
            }
            let statuses = Dictionary(grouping: answers, by: \.status).mapValues(\.count)
            print("partition rush: \(answers.count) requests, by status \(statuses)")
            #expect(Set(statuses.keys).isSubset(of: [201, 502, 503, 504]), "statuses: \(statuses)")
            #expect((statuses[201] ?? 0) > answers.count * 8 / 10, "most cars placed: \(statuses)")
            let booked = answers.compactMap { $0.status == 201 ? $0.id : nil }

            _ = try await TestHTTP.eventually(within: .seconds(30), "S2 back at the balancer") {
                let view = try await http.get(gateway.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                return view.count == 2 && view.allSatisfy { $0["up"] as? Bool == true }
            }
            // Undos of orders whose answer was lost go out within a second or two of their substation answering.
            let kept = try await settledSessionsKept(http, by: [near, far], expected: booked.count)
            #expect(kept == booked.count, "sessions kept \(kept), answered 201: \(booked.count)")
            var missing = 0
            for id in booked where try await http.get(gateway.url + "/api/v1/charge-requests/" + id).status != 200 { missing += 1 }
            #expect(missing == 0, "\(missing) booked ids not found")
        }
    }
}

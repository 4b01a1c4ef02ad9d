import Foundation
import Testing

/// `--discover dns://NAME:PORT` over real sockets: substations on two loopback addresses behind
/// one name. The balancer runs in its own mount namespace whose /etc/hosts the test controls,
/// so nothing outside the test sees the name.
@Suite(.serialized) struct DNSDiscoveryTests {
    static let name = "substations.smartgrid.test"

    static func writeHosts(_ path: URL, addresses: [String]) throws {
        var text = "127.0.0.1 localhost\n"
        for address in addresses { text += "\(address) \(name)\n" }
        // Rewritten in place: the bind mount follows the file, not a new one.
        let handle = try FileHandle(forWritingTo: path)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test(.enabled(if: Tools.canActAsRoot, "a private /etc/hosts (unshare --mount) needs root"))
    func findsEverySubstationBehindANameAndDrainsOneThatLeaves() async throws {
        let hosts = FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-hosts-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: hosts.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: hosts) }
        try Self.writeHosts(hosts, addresses: ["127.0.0.2", "127.0.0.3"])

        var port = 0
        for _ in 0..<50 {
            let candidate = Int.random(in: 30_000...60_000)
            if UpCommandTests.isFree(candidate) {
                port = candidate
                break
            }
        }
        let first = try await ServiceProcess.start(
            "discovered-A",
            [
                "substation", "--host", "127.0.0.2", "--port", String(port), "--data-dir", "none", "--id", "A", "--charging-points", "100",
                "--log-level",
                "warning",
            ])
        defer { _ = first.stop() }
        let second = try await ServiceProcess.start(
            "discovered-B",
            [
                "substation", "--host", "127.0.0.3", "--port", String(port), "--data-dir", "none", "--id", "B", "--charging-points", "100",
                "--log-level",
                "warning",
            ])
        defer { _ = second.stop() }
        let command = "mount --bind \(hosts.path) /etc/hosts && exec \(ServiceProcess.binary.path) \"$@\""
        let balancer = try await ServiceProcess.start(
            "balancer-discovery",
            [
                "-m", "sh", "-c", command, "sh", "balancer", "--port", "0", "--discover", "dns://\(Self.name):\(port)",
                "--discover-interval", "0.3", "--log-level", "warning",
            ],
            executable: URL(fileURLWithPath: "/usr/bin/unshare"))
        defer { _ = balancer.stop() }

        try await TestHTTP.withClient { http in
            func view() async throws -> [[String: Any]] {
                try await http.get(balancer.url + "/substations").json?["substations"] as? [[String: Any]] ?? []
            }
            _ = try await TestHTTP.eventually("both substations found and up") {
                let substations = try await view()
                return substations.count == 2 && substations.allSatisfy { $0["up"] as? Bool == true }
            }
            #expect(Set(try await view().compactMap { $0["url"] as? String }) == ["http://127.0.0.2:\(port)", "http://127.0.0.3:\(port)"])
            let before = try await burst(
                http, to: balancer.url + "/route", count: 20, concurrency: 4,
                body: { ["vehicleId": "EV-\($0)", "energyKWh": 10, "maxPowerKW": 11] })
            #expect(before.allSatisfy { $0.status == 201 })
            let afterBurst = try await view()
            #expect(Set(before.compactMap { $0.json?["substationId"] as? String }) == ["A", "B"], "both get sessions: \(afterBurst)")

            try Self.writeHosts(hosts, addresses: ["127.0.0.2"])
            // Retired, and with nothing in flight to it, dropped: the dead address is not scraped forever.
            _ = try await TestHTTP.eventually("B dropped after it left the name") {
                try await view().compactMap { $0["id"] as? String } == ["A"]
            }
            let after = try await burst(
                http, to: balancer.url + "/route", count: 20, concurrency: 4,
                body: { ["vehicleId": "EV-L\($0)", "energyKWh": 10, "maxPowerKW": 11] })
            #expect(after.allSatisfy { $0.status == 201 })
            #expect(
                Set(after.compactMap { $0.json?["substationId"] as? String }) == ["A"], "a substation gone from the name gets nothing new")
        }
    }
}

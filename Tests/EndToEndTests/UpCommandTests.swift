import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `smartgrid up`: the whole grid from one command, and a clean stop.
@Suite(.serialized) struct UpCommandTests {
    /// Whether a server could listen on a loopback port now, by binding it as servers do
    /// (SO_REUSEADDR, so closed connections in TIME_WAIT do not count).
    static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var on: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    static func ports(base: Int, substations: Int) -> [Int] {
        [base, base + 1] + (1...substations).map { base + 100 + $0 }
    }

    static func freeBase(substations: Int) throws -> Int {
        for _ in 0..<50 {
            let base = Int.random(in: 20_000...50_000)
            if ports(base: base, substations: substations).allSatisfy(isFree) && isFree(base + 90) { return base }
        }
        throw TestHTTP.ConditionNotMet(description: "no free port range found")
    }

    @Test func upRunsTheWholeGridAndStopsCleanly() async throws {
        let base = try Self.freeBase(substations: 4)
        let prometheusPort = base + 90
        let up = try await ServiceProcess.start(
            "up",
            [
                "up", "--port-base", String(base), "--prometheus-port", String(prometheusPort), "--data-dir",
                TestGrid.newDataDirectory().path, "--log-level", "warning",
            ],
            ready: #"gateway +http://[^\s]+"#)
        #expect(up.url == "http://127.0.0.1:\(base)")
        try await TestHTTP.withClient { http in
            for port in Self.ports(base: base, substations: 4) {
                #expect(try await http.get("http://127.0.0.1:\(port)/health").status == 200, "port \(port)")
            }
            _ = try await TestHTTP.eventually("every substation up at the balancer") {
                let grid = try await http.get(up.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                return grid.count == 4 && grid.allSatisfy { $0["up"] as? Bool == true }
            }
            let grid = try await http.get(up.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
            #expect(grid.compactMap { $0["capacityKW"] as? Double } == [250, 400, 400, 630])
            let booked = try await http.postJSON(
                up.url + "/api/v1/charge-requests", ["vehicleId": "EV-1", "energyKWh": 30, "maxPowerKW": 11])
            #expect(booked.status == 201)

            // A real Prometheus scrapes every service `up` started.
            _ = try await TestHTTP.eventually(within: .seconds(20), "Prometheus scraping all six services") {
                let answer = try? await http.get("http://127.0.0.1:\(prometheusPort)/api/v1/query?query=up")
                let series = ((answer?.json?["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
                let upCount = series.filter { (($0["value"] as? [Any])?.last as? String) == "1" }.count
                return upCount == 6
            }
        }
        let status = up.stop()
        #expect(status == 0, "SIGTERM must stop up with exit 0")
        for port in Self.ports(base: base, substations: 4) + [prometheusPort] {
            #expect(Self.isFree(port), "port \(port) still bound after up stopped")
        }
    }
}

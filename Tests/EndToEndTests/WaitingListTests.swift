import Foundation
import GridCore
import Testing

/// The waiting list through real processes: a car that finds the grid full waits in line (202),
/// is admitted first come, first served when a point frees, can leave the line, and no queued car
/// is lost or admitted twice when the gateway is killed with SIGKILL.
@Suite(.serialized) struct WaitingListTests {
    /// One substation of `points` points, simulated 60 times faster than real time, with a
    /// balancer and a gateway that keeps its data in `data`.
    static func startGrid(points: Int, data: URL) async throws -> (substation: ServiceProcess, balancer: ServiceProcess, gateway: ServiceProcess) {
        let substation = try await ServiceProcess.start(
            "substation-S1",
            [
                "substation", "--port", "0", "--id", "S1", "--capacity-kw", "400", "--charging-points", String(points), "--base-load", "0",
                "--time-scale", "60", "--log-level", "warning", "--data-dir", "none",
            ])
        let balancer = try await ServiceProcess.start(
            "balancer", ["balancer", "--port", "0", "--poll-interval", "0.25", "--log-level", "warning", "--substation", substation.url])
        let gateway = try await TestGrid.startGateway(balancerURL: balancer.url, port: 0, dataDirectory: data)
        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("the substation up") {
                let view = try await http.get(gateway.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                return view.first?["up"] as? Bool == true
            }
        }
        return (substation, balancer, gateway)
    }

    /// 0.5 kWh at 11 kW: done in under 3 simulated minutes, 3 real seconds.
    static func car(_ name: String, wait: Int?) -> [String: Any] {
        var body: [String: Any] = ["vehicleId": name, "energyKWh": 0.5, "maxPowerKW": 11]
        if let wait { body["maxWaitMinutes"] = wait }
        return body
    }

    @Test func aCarWaitsInLineAndIsAdmittedWhenAPointFrees() async throws {
        let data = TestGrid.newDataDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let grid = try await Self.startGrid(points: 2, data: data)
        defer {
            grid.gateway.stop()
            grid.balancer.stop()
            grid.substation.stop()
        }
        let requests = grid.gateway.url + "/api/v1/charge-requests"
        try await TestHTTP.withClient { http in
            for name in ["EV-A", "EV-B"] { #expect(try await http.postJSON(requests, Self.car(name, wait: nil)).status == 201) }
            _ = try await TestHTTP.eventually("the balancer sees both sessions") {
                let view = try await http.get(grid.gateway.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                return view.first?["activeSessions"] as? Int == 2
            }
            let full = try await http.postJSON(requests, Self.car("EV-no-wait", wait: nil))
            #expect(full.status == 503)
            let retryAfter = Int(full.headers.first(name: "Retry-After") ?? "") ?? 0
            #expect((1...4).contains(retryAfter), "Retry-After from the sessions' ends (within 3 s), not the constant 5: \(retryAfter)")

            let waiting = try await http.postJSON(requests, Self.car("EV-C", wait: 10))
            #expect(waiting.status == 202)
            #expect(waiting.json?["status"] as? String == "queued")
            #expect(waiting.json?["queuePosition"] as? Int == 1)
            let estimate = try #require(waiting.json?["estimatedStartAt"] as? String)
            let start = try #require(try? Date(estimate, strategy: .iso8601))
            #expect(start.timeIntervalSinceNow < 10, "a point frees within seconds: \(estimate)")
            let location = try #require(waiting.headers.first(name: "Location"))
            let second = try await http.postJSON(requests, Self.car("EV-D", wait: 10))
            #expect(second.status == 202 && second.json?["queuePosition"] as? Int == 2)
            let secondId = try #require(second.json?["id"] as? String)

            let left = try await http.send(.DELETE, requests + "/" + secondId)
            #expect(left.status == 200 && left.json?["status"] as? String == "cancelled")
            #expect(try await http.get(requests + "/" + secondId).json?["status"] as? String == "cancelled")

            _ = try await TestHTTP.eventually(within: .seconds(20), "the waiting car charges") {
                try await http.get(grid.gateway.url + location).json?["status"] as? String == "charging"
            }
            let session = try await http.get(grid.gateway.url + location)
            #expect(session.json?["substationId"] as? String == "S1")

            let bad = try await http.postJSON(requests, ["vehicleId": "EV-E", "energyKWh": 1, "maxPowerKW": 11, "maxWaitMinutes": 1.5])
            #expect(bad.status == 400)
            let errors = bad.json?["errors"] as? [[String: Any]] ?? []
            #expect(errors.first?["field"] as? String == "maxWaitMinutes")
            #expect(try await http.get(requests + "/no-such-car").status == 404)

            let metrics = try await http.metrics(of: grid.gateway.url)
            #expect(metrics.value(of: "gateway_queue_outcomes_total", where: ["outcome": "admitted"]) == 1)
            #expect(metrics.value(of: "gateway_queue_outcomes_total", where: ["outcome": "cancelled"]) == 1)
            #expect(metrics.value(of: "gateway_queue_length") == 0)
            #expect(metrics.value(of: "gateway_queue_wait_seconds_count") == 1)
        }
    }

    /// A rush into a full grid with the gateway killed while cars wait: after its restart on the
    /// same data, every car that was told 201 or 202 ends up charged once, none lost, none twice.
    @Test func noWaitingCarIsLostOrAdmittedTwiceWhenTheGatewayIsKilled() async throws {
        let data = TestGrid.newDataDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        var grid = try await Self.startGrid(points: 4, data: data)
        defer {
            grid.gateway.stop()
            grid.balancer.stop()
            grid.substation.stop()
        }
        try await TestHTTP.withClient { http in
            let requests = grid.gateway.url + "/api/v1/charge-requests"
            var ids: [String] = []
            for index in 0..<16 {
                let answer = try await http.postJSON(requests, Self.car("EV-\(index)", wait: 30))
                #expect([201, 202].contains(answer.status), "car \(index): \(answer.status)")
                ids.append(try #require(answer.json?["id"] as? String))
            }
            let queued = try await http.metrics(of: grid.gateway.url).value(of: "gateway_queue_length") ?? 0
            #expect(queued >= 8, "cars wait: \(queued)")

            grid.gateway.kill()
            grid.gateway = try await TestGrid.startGateway(balancerURL: grid.balancer.url, port: grid.gateway.port, dataDirectory: data)

            _ = try await TestHTTP.eventually(within: .seconds(40), "every car admitted") {
                var admitted = 0
                for id in ids {
                    let status = try await http.get(requests + "/" + id).json?["status"] as? String
                    if status == "charging" || status == "completed" { admitted += 1 }
                }
                return admitted == ids.count
            }
            let metrics = try await http.metrics(of: grid.substation.url)
            #expect(metrics.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) == Double(ids.count), "each car admitted once")
        }
    }
}

import Foundation
import GridCore
import Testing

/// Two balancers behind one gateway, each with its own view: admission is the substations' call,
/// so together they can never push a substation past its points.
@Suite(.serialized) struct MultiBalancerTests {
    @Test func twoBalancersUnderOneBurstNeverOverfillASubstation() async throws {
        let plans: [TestGrid.SubstationPlan] = [.init(capacityKW: 400, points: 10), .init(capacityKW: 630, points: 10)]
        var substations: [ServiceProcess] = []
        for (index, plan) in plans.enumerated() {
            substations.append(try await TestGrid.startSubstation(index: index, plan: plan, port: 0, baseLoad: 0.2))
        }
        var balancers: [ServiceProcess] = []
        for number in 1...2 {
            balancers.append(
                try await ServiceProcess.start(
                    "balancer-\(number)",
                    ["balancer", "--port", "0", "--poll-interval", "2", "--log-level", "warning"]
                        + substations.flatMap { ["--substation", $0.url] }))
        }
        let gateway = try await ServiceProcess.start(
            "gateway",
            ["gateway", "--port", "0", "--data-dir", "none", "--log-level", "warning"] + balancers.flatMap { ["--balancer", $0.url] })
        defer {
            _ = gateway.stop()
            for process in balancers + substations { _ = process.stop() }
        }
        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("both balancers see both substations") {
                var ready = true
                for balancer in balancers {
                    let view = try await http.get(balancer.url + "/substations").json?["substations"] as? [[String: Any]] ?? []
                    ready = ready && view.count == 2 && view.allSatisfy { $0["up"] as? Bool == true }
                }
                return ready
            }
            let answers = try await burst(
                http, to: gateway.url + "/api/v1/charge-requests", count: 60, concurrency: 30,
                body: { ["vehicleId": "EV-\($0)", "energyKWh": 40, "maxPowerKW": 11] })
            let statuses = Dictionary(grouping: answers, by: \.status).mapValues(\.count)
            #expect(statuses == [201: 20, 503: 40], "answers by status: \(statuses)")

            var admitted: [Double] = []
            for substation in substations {
                let metrics = try await http.metrics(of: substation.url)
                let active = metrics.value(of: "substation_active_sessions") ?? -1
                #expect(active <= 10, "\(substation.name) has \(active) sessions on 10 points")
                admitted.append(metrics.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) ?? -1)
            }
            #expect(admitted == [10, 10], "admitted per substation: \(admitted)")
            // The gateway spread the burst: each balancer placed some of it.
            for balancer in balancers {
                let metrics = try await http.metrics(of: balancer.url)
                let decisions = metrics.filter { $0.name == "balancer_decisions_total" }.reduce(0) { $0 + $1.value }
                #expect(decisions > 0, "\(balancer.name) placed nothing")
            }
        }
    }

    @Test func aBalancerThatIsDownIsSkipped() async throws {
        let substation = try await TestGrid.startSubstation(index: 0, plan: .init(capacityKW: 400, points: 50), port: 0, baseLoad: 0.2)
        let balancer = try await ServiceProcess.start(
            "balancer", ["balancer", "--port", "0", "--poll-interval", "0.5", "--log-level", "warning", "--substation", substation.url])
        // Port 1 on loopback: nothing listens, the connection is refused.
        let gateway = try await ServiceProcess.start(
            "gateway",
            [
                "gateway", "--port", "0", "--data-dir", "none", "--log-level", "warning", "--balancer", "http://127.0.0.1:1", "--balancer",
                balancer.url,
            ])
        defer {
            _ = gateway.stop()
            _ = balancer.stop()
            _ = substation.stop()
        }
        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("the balancer sees the substation") {
                (try await http.get(gateway.url + "/api/v1/grid").json?["substations"] as? [[String: Any]])?.first?["up"] as? Bool == true
            }
            for index in 0..<10 {
                let answer = try await http.postJSON(
                    gateway.url + "/api/v1/charge-requests", ["vehicleId": "EV-\(index)", "energyKWh": 20, "maxPowerKW": 11])
                #expect(answer.status == 201)
            }
        }
    }
}

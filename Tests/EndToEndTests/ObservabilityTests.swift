import Foundation
import GridCore
import Testing

/// Observability that works on first start, proved against a real Prometheus and promtool.
@Suite(.serialized) struct ObservabilityTests {
    static func dashboard() throws -> [String: Any] {
        let data = try Data(contentsOf: Tools.path("deploy/grafana/dashboards/smartgrid.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func dashboardExpressions() throws -> [(panel: String, expr: String)] {
        let panels = try dashboard()["panels"] as? [[String: Any]] ?? []
        return panels.flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                (target["expr"] as? String).map { (panel["title"] as? String ?? "?", $0) }
            }
        }
    }

    static func alertExpressions() throws -> [String] {
        Tools.ruleExpressions(try String(contentsOf: Tools.path("deploy/prometheus/alerts.yml"), encoding: .utf8))
    }

    /// Grafana's variables as Grafana substitutes them with "All" selected.
    static func substitute(_ expr: String) -> String {
        expr.replacingOccurrences(of: "$substation", with: ".*").replacingOccurrences(of: "$__rate_interval", with: "1m")
    }

    @Test func promtoolAcceptsTheConfigRulesAndRuleTests() throws {
        let directory = Tools.path("deploy/prometheus")
        for arguments in [["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"], ["test", "rules", "alerts.test.yml"]] {
            let (status, output) = try Tools.run("promtool", arguments, in: directory)
            #expect(status == 0, "promtool \(arguments.joined(separator: " ")):\n\(output)")
        }
        #expect(try Self.alertExpressions().count == 5)
    }

    @Test func grafanaProvisioningNeedsNoManualStep() throws {
        let datasource = try String(contentsOf: Tools.path("deploy/grafana/provisioning/datasources/prometheus.yml"), encoding: .utf8)
        let uid = try #require(
            datasource.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("uid:") }?
                .split(separator: ":").last?.trimmingCharacters(in: .whitespaces))
        let dashboard = try Self.dashboard()
        #expect(dashboard["dashboard"] == nil, "provisioning format, not the API-import wrapper")
        #expect(dashboard["uid"] as? String == "smartgrid")
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 9)
        for panel in panels {
            #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == uid, "panel \(panel["title"] ?? "?")")
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                #expect((target["datasource"] as? [String: Any])?["uid"] as? String == uid)
            }
        }
        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        #expect(
            variables.contains { $0["name"] as? String == "substation" && ($0["datasource"] as? [String: Any])?["uid"] as? String == uid })
        let provider = try String(contentsOf: Tools.path("deploy/grafana/provisioning/dashboards/smartgrid.yml"), encoding: .utf8)
        #expect(provider.contains("path: /var/lib/grafana/dashboards"))
    }

    @Test func everyDashboardAndAlertQueryRunsAgainstARealPrometheus() async throws {
        let base = try UpCommandTests.freeBase(substations: 4)
        let prometheusPort = base + 90
        let prometheus = "http://127.0.0.1:\(prometheusPort)"
        let up = try await ServiceProcess.start(
            "up-observability",
            [
                "up", "--port-base", String(base), "--prometheus-port", String(prometheusPort), "--data-dir",
                TestGrid.newDataDirectory().path, "--log-level", "warning",
            ],
            ready: #"gateway +http://[^\s]+"#)
        defer { _ = up.stop() }
        try await TestHTTP.withClient { http in
            func query(_ promQL: String) async throws -> (status: String?, result: [[String: Any]]) {
                var components = URLComponents(string: prometheus + "/api/v1/query")!
                components.queryItems = [URLQueryItem(name: "query", value: promQL)]
                let json = try await http.get(components.url!.absoluteString).json
                return (json?["status"] as? String, (json?["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? [])
            }
            _ = try await TestHTTP.eventually("every substation up at the balancer") {
                let grid = try await http.get(up.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                return grid.count == 4 && grid.allSatisfy { $0["up"] as? Bool == true }
            }
            // Prometheus has seen the decision counters at 0, so increase() and rate() see the burst.
            _ = try await TestHTTP.eventually(within: .seconds(15), "Prometheus holding the idle grid") {
                try await query("balancer_decisions_total").result.count == 4
            }
            let answers = try await burst(
                http, to: up.url + "/api/v1/charge-requests", count: 60, concurrency: 8,
                body: { ["vehicleId": "EV-\($0)", "energyKWh": 30, "maxPowerKW": 22] })
            #expect(answers.allSatisfy { $0.status == 201 })
            // Two scrapes after the burst, so rates have something to work with.
            _ = try await TestHTTP.eventually(within: .seconds(30), "Prometheus holding the burst") {
                let loads = try await query("substation_load").result
                let decisions = try await query("sum(balancer_decisions_total)").result
                let placed = Double(((decisions.first?["value"] as? [Any])?.last as? String) ?? "0") ?? 0
                // Each job is scraped at its own offset: wait for two gateway samples after the burst too.
                let gatewayRate = try await query("sum(rate(gateway_requests_total[1m])) > 0").result
                return Set(loads.compactMap { ($0["metric"] as? [String: String])?["substation"] }).count == 4 && placed == 60
                    && !gatewayRate.isEmpty
            }

            for (panel, expr) in try Self.dashboardExpressions() {
                let (status, result) = try await query(Self.substitute(expr))
                #expect(status == "success", "panel \(panel): \(expr)")
                let perSubstation = [
                    "substation_load", "substation_power_watts", "substation_capacity_watts", "substation_active_sessions",
                    "substation_energy_delivered_joules_total", "balancer_substation_up",
                ]
                if perSubstation.contains(where: { expr.hasPrefix($0) }) {
                    let seen = Set(result.compactMap { ($0["metric"] as? [String: String])?["substation"] })
                    #expect(seen == ["S1", "S2", "S3", "S4"], "panel \(panel): \(expr) has data for \(seen)")
                } else if panel != "Retries and rejections" {
                    #expect(!result.isEmpty, "panel \(panel): \(expr) returned no data")
                }
            }
            for expr in try Self.alertExpressions() {
                let (status, _) = try await query(expr)
                #expect(status == "success", "alert: \(expr)")
            }

            // promtool check metrics has nothing to say about any service.
            for port in UpCommandTests.ports(base: base, substations: 4) {
                let metrics = try await http.get("http://127.0.0.1:\(port)/metrics")
                let (status, output) = try Tools.run("promtool", ["check", "metrics"], input: metrics.body)
                #expect(status == 0 && output.isEmpty, "promtool check metrics on :\(port):\n\(output)")
            }

            // A balancer that reads loads from this Prometheus routes as well as one that scrapes.
            let substations = (1...4).map { "http://127.0.0.1:\(base + 100 + $0)" }
            let balancer = try await ServiceProcess.start(
                "balancer-prometheus-source",
                ["balancer", "--port", "0", "--load-source", "prometheus=\(prometheus)", "--log-level", "warning"]
                    + substations.flatMap { ["--substation", $0] })
            defer { _ = balancer.stop() }
            #expect(try await http.get(balancer.url + "/substations").json?["loadSource"] as? String == "prometheus=\(prometheus)")
            // The same balancer pointed at a Prometheus that is not there sees nothing: it does not
            // fall back to scraping the substations itself.
            let blind = try await ServiceProcess.start(
                "balancer-no-prometheus",
                ["balancer", "--port", "0", "--load-source", "prometheus=http://127.0.0.1:\(base + 91)", "--log-level", "error"]
                    + substations.flatMap { ["--substation", $0] })
            defer { _ = blind.stop() }
            _ = try await TestHTTP.eventually("the Prometheus-fed balancer sees every substation") {
                let view = try await http.get(balancer.url + "/substations").json?["substations"] as? [[String: Any]] ?? []
                return view.count == 4 && view.allSatisfy { $0["up"] as? Bool == true && $0["load"] is Double }
            }
            // 60 of the grid's 83 points are taken: 16 more fit. Which substations still have a
            // free point depends on where the first 60 went.
            let before = try await http.get(balancer.url + "/substations").json?["substations"] as? [[String: Any]] ?? []
            let withRoom = before.filter { ($0["activeSessions"] as? Int ?? 0) < ($0["chargingPoints"] as? Int ?? 0) }.count
            let routed = try await burst(
                http, to: balancer.url + "/route", count: 16, concurrency: 8,
                body: { ["vehicleId": "EV-P\($0)", "energyKWh": 30, "maxPowerKW": 11] })
            #expect(routed.allSatisfy { $0.status == 201 }, "\(routed.map(\.status))")
            let bySubstation = Dictionary(grouping: routed.compactMap { $0.json?["substationId"] as? String }, by: { $0 }).mapValues(
                \.count)
            #expect(
                bySubstation.count >= min(3, withRoom),
                "a burst through the Prometheus-fed balancer spreads: \(bySubstation), \(withRoom) substations had room")
            #expect(withRoom >= 2, "the first 60 cars left room at \(withRoom) substations: \(before)")
            let blindView = try await http.get(blind.url + "/substations").json?["substations"] as? [[String: Any]] ?? []
            #expect(blindView.count == 4 && blindView.allSatisfy { $0["up"] as? Bool == false }, "\(blindView)")
            #expect(try await http.postJSON(blind.url + "/route", ["vehicleId": "EV-X", "energyKWh": 10, "maxPowerKW": 11]).status == 503)
        }
    }
}

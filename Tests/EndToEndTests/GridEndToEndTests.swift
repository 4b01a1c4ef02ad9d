import Foundation
import GridCore
import Synchronization
import Testing

/// The grid over real sockets: every service its own process, as users run them.
@Suite(.serialized) struct GridEndToEndTests {
    static let unequal: [TestGrid.SubstationPlan] = [
        .init(capacityKW: 250, points: 200), .init(capacityKW: 400, points: 200),
        .init(capacityKW: 400, points: 200), .init(capacityKW: 630, points: 200),
    ]

    static func car(_ index: Int) -> [String: Any] {
        ["vehicleId": "EV-\(index)", "energyKWh": 30, "maxPowerKW": 11]
    }

    @Test func aBurstSpreadsAcrossUnequalSubstations() async throws {
        let grid = try await TestGrid.start(Self.unequal)
        defer { grid.stop() }
        try await TestHTTP.withClient { http in
            let answers = try await burst(http, to: grid.chargeRequests, count: 400, concurrency: 64, body: Self.car)
            let statuses = Dictionary(grouping: answers, by: \.status).mapValues(\.count)
            #expect(statuses == [201: 400], "answers by status: \(statuses)")
            let ids = answers.compactMap { $0.json?["id"] as? String }
            #expect(Set(ids).count == 400, "ids must not repeat")
            #expect(
                answers.allSatisfy { $0.headers.first(name: "Location") == "/api/v1/charge-requests/\($0.json?["id"] as? String ?? "")" })

            let metrics = try await grid.substationMetrics(http)
            let admitted = metrics.map { $0.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) ?? -1 }
            #expect(admitted.reduce(0, +) == 400, "admitted per substation: \(admitted)")
            let loads = metrics.map { $0.value(of: "substation_load") ?? 0 }
            let balance = BalanceStatistics(loads: loads)
            #expect(balance.maxOverMean <= 1.10, "substation_load \(loads): max/mean \(balance.maxOverMean)")
            print(
                "burst of 400: admitted \(admitted), loads \(loads.map { ($0 * 1000).rounded() / 1000 }), max/mean \(balance.maxOverMean)")

            // What a client reads back is what the substation holds.
            let first = try await http.get(grid.chargeRequests + "/" + ids[0])
            #expect(first.status == 200)
            #expect(first.json?["status"] as? String == "charging")
            let cancelled = try await http.send(.DELETE, grid.chargeRequests + "/" + ids[0])
            #expect(cancelled.status == 200)
            #expect(cancelled.json?["status"] as? String == "cancelled")
            #expect(try await http.get(grid.chargeRequests + "/unknown-id").status == 404)
        }
    }

    @Test func overflowIsClean() async throws {
        let small: [TestGrid.SubstationPlan] = [
            .init(capacityKW: 250, points: 5), .init(capacityKW: 400, points: 5),
            .init(capacityKW: 400, points: 5), .init(capacityKW: 630, points: 5),
        ]
        let grid = try await TestGrid.start(small)
        defer { grid.stop() }
        try await TestHTTP.withClient { http in
            let violations = Locked<[String]>([])
            let answers = try await burst(
                http, to: grid.chargeRequests, count: 50, concurrency: 16,
                body: { index in
                    ["vehicleId": "EV-\(index)", "energyKWh": 40, "maxPowerKW": 50]
                },
                afterEach: { index in
                    guard index % 5 == 0 else { return }
                    // Watch the substations during the burst too, not only after it.
                    guard let metrics = try? await grid.substationMetrics(http) else { return }
                    for (number, samples) in metrics.enumerated() {
                        let power = unclampedDrawWatts(samples)
                        let capacity = samples.value(of: "substation_capacity_watts") ?? 0
                        let active = samples.value(of: "substation_active_sessions") ?? 0
                        if power > capacity * (1 + 1e-9) || active > 5 {
                            violations.withLock { $0.append("S\(number + 1): power \(power) of \(capacity), \(active) sessions") }
                        }
                    }
                })
            let statuses = Dictionary(grouping: answers, by: \.status).mapValues(\.count)
            #expect(statuses == [201: 20, 503: 30], "answers by status: \(statuses)")
            for refused in answers where refused.status == 503 {
                #expect(refused.contentType == "application/problem+json")
                #expect(Int(refused.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
                #expect(refused.json?["status"] as? Int == 503)
                #expect(refused.json?["title"] is String && refused.json?["detail"] is String && refused.json?["type"] is String)
            }
            #expect(violations.withLock { $0 } == [])
            let metrics = try await grid.substationMetrics(http)
            for samples in metrics {
                #expect(unclampedDrawWatts(samples) <= samples.value(of: "substation_capacity_watts")! * (1 + 1e-9))
                #expect(samples.value(of: "substation_active_sessions") == 5)
            }
            let admitted = metrics.map { $0.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) ?? 0 }
            #expect(admitted.reduce(0, +) == 20)
        }
    }

    @Test func aDeadSubstationIsRoutedAround() async throws {
        let grid = try await TestGrid.start(Self.unequal)
        defer { grid.stop() }
        try await TestHTTP.withClient { http in
            let downAfter = Locked<Duration?>(nil)
            let answers = try await burst(
                http, to: grid.chargeRequests, count: 300, concurrency: 8, body: Self.car,
                afterEach: { index in
                    guard index == 100 else { return }
                    grid.kill(substation: 1)
                    // This worker watches the grid view while the other seven keep the burst going.
                    let elapsed = try? await TestHTTP.eventually(within: .seconds(5), "S2 reported down") {
                        try await grid.gridView(http).first { $0["id"] as? String == "S2" }?["up"] as? Bool == false
                    }
                    downAfter.withLock { $0 = elapsed }
                })
            let statuses = Dictionary(grouping: answers, by: \.status).mapValues(\.count)
            #expect(statuses == [201: 300], "no request may fail while others have room: \(statuses)")
            let elapsed = try #require(downAfter.withLock { $0 }, "S2 never reported down")
            #expect(elapsed <= .seconds(1.5), "down after \(elapsed): more than 3 poll intervals")
            print("killed substation reported down after \(elapsed)")
            let late = answers[150...].compactMap { $0.json?["substationId"] as? String }
            #expect(!late.contains("S2"), "nothing admitted by a dead substation")

            try await grid.restart(substation: 1)
            _ = try await TestHTTP.eventually(within: .seconds(5), "S2 up again") {
                try await grid.gridView(http).first { $0["id"] as? String == "S2" }?["up"] as? Bool == true
            }
            let after = try await burst(http, to: grid.chargeRequests, count: 40, concurrency: 4, body: Self.car)
            #expect(after.allSatisfy { $0.status == 201 })
            let toS2 = after.filter { $0.json?["substationId"] as? String == "S2" }.count
            #expect(toS2 > 0, "the restarted substation, now the emptiest, gets sessions again")
        }
    }

    @Test func badInputGetsAProblemAndTheServiceKeepsServing() async throws {
        let grid = try await TestGrid.start([.init(capacityKW: 400, points: 20)])
        defer { grid.stop() }
        try await TestHTTP.withClient { http in
            let valid: [String: Any] = ["vehicleId": "EV-1", "energyKWh": 30, "maxPowerKW": 11, "departureMinutes": 240]
            let invalidFields: [(String, Any)] = [
                ("vehicleId", ""), ("vehicleId", "has space"), ("vehicleId", String(repeating: "x", count: 65)), ("vehicleId", 12),
                ("energyKWh", 0), ("energyKWh", 201), ("energyKWh", "30"), ("maxPowerKW", -1), ("maxPowerKW", 351),
                ("departureMinutes", 0), ("departureMinutes", 2881), ("departureMinutes", "later"),
            ]
            for (field, value) in invalidFields {
                var body = valid
                body[field] = value
                let answer = try await http.postJSON(grid.chargeRequests, body)
                #expect(answer.status == 400, "\(field)=\(value)")
                #expect(answer.contentType == "application/problem+json")
                let errors = answer.json?["errors"] as? [[String: Any]] ?? []
                #expect(errors.map { $0["field"] as? String } == [field], "\(field)=\(value): \(errors)")
            }
            for missing in ["vehicleId", "energyKWh", "maxPowerKW"] {
                var body = valid
                body[missing] = nil
                let answer = try await http.postJSON(grid.chargeRequests, body)
                #expect(answer.status == 400)
                #expect((answer.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == missing)
            }
            let malformed = try await http.send(.POST, grid.chargeRequests, body: Data(#"{"vehicleId": "EV-1", "#.utf8))
            #expect(malformed.status == 400)
            #expect(malformed.contentType == "application/problem+json")
            // Strict JSON: a repeated key or an overflowing number is refused, not silently resolved.
            for strict in [
                #"{"vehicleId":"EV-1","energyKWh":30,"energyKWh":300,"maxPowerKW":11}"#,
                #"{"vehicleId":"EV-1","energyKWh":1e999,"maxPowerKW":11}"#,
            ] {
                let refused = try await http.send(.POST, grid.chargeRequests, body: Data(strict.utf8))
                #expect(refused.status == 400, "\(strict)")
                #expect(refused.json?["type"] as? String == "urn:smartgrid:problem:malformed-json")
            }
            let wrongType = try await http.send(
                .POST, grid.chargeRequests, body: Data("vehicleId=EV-1".utf8), contentType: "application/x-www-form-urlencoded")
            #expect(wrongType.status == 415)
            #expect(wrongType.contentType == "application/problem+json")
            let noType = try await http.send(.POST, grid.chargeRequests, body: Data("{}".utf8), contentType: nil)
            #expect(noType.status == 415)
            let huge = Data(("{\"vehicleId\": \"" + String(repeating: "x", count: 1 << 20) + "\"}").utf8)
            let tooLarge = try await http.send(.POST, grid.chargeRequests, body: huge)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.contentType == "application/problem+json")
            // Oversized header and URL (100 kB each): refused with 400 by the HTTP parser, and the gateway serves on.
            let oversized = """
                import http.client, sys
                for path, headers in (("/health", {"X-Big": "x" * 100000}), ("/" + "a" * 100000, {})):
                    connection = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)
                    connection.request("GET", path, headers=headers)
                    print(connection.getresponse().status)
                """
            let gatewayAddress = URL(string: grid.gateway.url)!
            let (oversizedExit, oversizedOutput) = try Tools.run(
                "python3", ["-c", oversized, gatewayAddress.host!, String(gatewayAddress.port!)])
            #expect(oversizedExit == 0, "\(oversizedOutput)")
            #expect(oversizedOutput.split(separator: "\n").map(String.init) == ["400", "400"], "\(oversizedOutput)")
            let unknownRoute = try await http.get(grid.gateway.url + "/no/such/route")
            #expect(unknownRoute.status == 404)
            #expect(unknownRoute.contentType == "application/problem+json")
            // Still serving, every service.
            #expect(try await http.postJSON(grid.chargeRequests, valid).status == 201)
            #expect(try await http.send(.POST, grid.gateway.url + "/request_charge").status == 201)
            #expect(try await http.get(grid.balancer.url + "/health").status == 200)
            #expect(try await http.get(grid.substationProcesses[0].url + "/health").status == 200)
        }
    }
}

/// What the transformer carries, from its parts: EV power plus base load. Not
/// `substation_power_watts`, which the substation clamps to capacity, so a check of it could never fail.
func unclampedDrawWatts(_ samples: [MetricSample]) -> Double {
    (samples.value(of: "substation_ev_power_watts") ?? .infinity) + (samples.value(of: "substation_base_load_watts") ?? .infinity)
}

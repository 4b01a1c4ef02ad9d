import Foundation
import Testing

/// Real charge points, built with The Mobility House's `ocpp` library (every frame checked
/// against the official OCPP schemas), driving `smartgrid substation --ocpp` on loopback.
@Suite(.serialized) struct ChargePointTests {
    static let versions = ["ocpp1.6", "ocpp2.0.1"]

    /// A substation for charge points: 30 kW, 22 kW connectors, six charging points planned.
    static func startSubstation(_ extra: [String] = [], id: String = "S-OCPP") async throws -> ServiceProcess {
        try await ServiceProcess.start(
            "substation-\(id)",
            [
                "substation", "--ocpp", "--id", id, "--port", "0", "--capacity-kw", "30", "--point-max-kw", "22", "--charging-points", "6",
                "--base-load", "0.3", "--data-dir", "none", "--log-level", "info",
            ] + extra)
    }

    /// Runs a scenario of the charge point driver; what it saw, as JSON.
    static func drive(_ scenario: String, _ arguments: [String]) throws -> [String: Any] {
        let script = Tools.path("Tests/EndToEndTests/Support/ocpp_charge_points.py").path
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-driver-\(UUID().uuidString.prefix(8)).log")
        let (status, output) = try Tools.run(
            "sh", ["-c", #"exec python3 "$@" 2>"$0""#, errors.path, script, scenario] + arguments, includeErrors: false)
        let log = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        try #require(status == 0, "charge point driver (\(scenario)) failed: \(log.suffix(3000))")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "driver printed: \(output)")
    }

    @Test(arguments: versions)
    func threeChargersShareTheSubstationAndAStopRaisesTheOthers(version: String) async throws {
        let substation = try await Self.startSubstation()
        defer { _ = substation.stop() }
        let seen = try Self.drive("share", [substation.url, version])
        let before = try #require(seen["before"] as? [String: Double])
        let after = try #require(seen["after"] as? [String: Double])
        let capacity = try #require(seen["capacityW"] as? Double)
        let baseLoad = try #require(seen["baseLoadW"] as? Double)
        let available = capacity - baseLoad
        print("\(version): limits \(before.sorted { $0.key < $1.key }) W for \(Int(available)) W available; after CP3 stopped \(after)")
        #expect(before.count == 3)
        #expect(before.values.allSatisfy { $0 > 0 }, "no limit is zero: \(before)")
        // Falls are sent at once (50 W hysteresis; limits rounded down to whole watts).
        #expect(before.values.reduce(0, +) <= available + 60, "latest limits \(before) within \(available) W")
        #expect(before.values.reduce(0, +) >= available - 1_000, "the power is used, not wasted: \(before)")
        for id in ["CP1", "CP2"] {
            #expect((after[id] ?? 0) > (before[id] ?? 0) + 1_000, "\(id) rose after CP3 stopped: \(before) -> \(after)")
        }
        #expect((after.values.reduce(0, +)) <= available + 60)
        // Metered power drives the load figure: the chargers draw their limits.
        let evPower = try #require(seen["evPowerW"] as? Double)
        let limitsAtReading = try #require(seen["limitsAtReadingW"] as? [String: Double])
        #expect(abs(evPower - limitsAtReading.values.reduce(0, +)) < 10, "metered \(evPower) W vs limits \(limitsAtReading)")
        // Every charger got a station maximum and a default that is safe with all points in use.
        // Charging points: the connectors of connected chargers; defaults fit all six planned points at once.
        #expect(seen["chargingPoints"] as? Double == 3)
        for (id, value) in try #require(seen["defaultW"] as? [String: Double]) {
            #expect(value > 0 && value * 6 <= available, "\(id) default \(value) W x 6 planned points")
        }
        #expect((seen["stationMaxW"] as? [String: Double])?.values.allSatisfy { $0 == 22_000 } == true, "\(seen["stationMaxW"] ?? "")")
        #expect((seen["connected"] as? [String: Double])?.values.allSatisfy { $0 == 1 } == true)
        #expect(seen["units"] as? [String] == ["W"])
    }

    @Test(arguments: versions)
    func meteredPowerDrivesTheLoadAnOverdrawIsCountedAndASilentMeterIsAskedForAReading(version: String) async throws {
        let substation = try await Self.startSubstation(["--ocpp-meter-stale-after", "2"])
        defer { _ = substation.stop() }
        let seen = try Self.drive("meters", [substation.url, version])
        let limits = try #require(seen["limitsAfter"] as? [String: Double])
        let evPower = try #require(seen["evPowerW"] as? Double)
        let greedy = try #require(seen["greedyDrawW"] as? Double)
        // Honest: its reading (= its limit); greedy: what it draws, not its limit; silent: its full allocation.
        let expected = (limits["CP-HONEST"] ?? 0) + greedy + (limits["CP-SILENT"] ?? 0)
        print("\(version): limits \(limits), counted \(evPower) W, expected \(expected) W")
        #expect((limits["CP-GREEDY"] ?? .infinity) < greedy - 5_000, "the greedy charger was limited: \(limits)")
        #expect(abs(evPower - expected) < 500, "EV power counted \(evPower) W, expected \(expected) W")
        let overdraws = try #require(seen["overdraws"] as? [String: Double])
        #expect((overdraws["CP-GREEDY"] ?? 0) >= 1 && overdraws["CP-HONEST"] == 0 && overdraws["CP-SILENT"] == 0, "\(overdraws)")
        let triggers = try #require(seen["triggers"] as? [String: Int])
        #expect(
            (triggers["CP-SILENT"] ?? 0) >= 1 && triggers["CP-HONEST"] == 0, "TriggerMessage only where the meter is stale: \(triggers)")
    }

    @Test(arguments: versions)
    func aChargerWhoseLinkDropsStaysCountedUntilTheTimeout(version: String) async throws {
        let timeout = 4.0
        let substation = try await Self.startSubstation(["--ocpp-offline-timeout", String(timeout)])
        defer { _ = substation.stop() }
        let seen = try Self.drive("offline", [substation.url, version, String(timeout)])
        let sessions = try #require(seen["sessionsWhileOffline"] as? [Double])
        let power = try #require(seen["evPowerWhileOffline"] as? [Double])
        let limit = try #require(seen["limitBeforeW"] as? Double)
        let released = try #require(seen["releasedAfterSeconds"] as? Double)
        print("\(version): offline charger counted for \(released) s (timeout \(timeout) s); EV power while offline \(power.first ?? 0) W")
        #expect(!sessions.isEmpty && sessions.allSatisfy { $0 == 2 }, "both transactions counted while CP-B is offline: \(sessions)")
        #expect(power.allSatisfy { $0 >= 1.8 * limit }, "CP-B still counted at its allocation: \(power) vs limit \(limit)")
        #expect(released >= timeout - 0.5 && released <= timeout + 3, "released after \(released) s")
        #expect((seen["limitAfterW"] as? Double ?? 0) > limit + 1_000, "CP-A's limit rose once CP-B was no longer counted")
    }

    @Test(arguments: versions)
    func aBookingThroughTheGatewayReservesAConnectorAndItsTransactionBecomesTheSession(version: String) async throws {
        let ocpp = try await Self.startSubstation(id: "S-OCPP")
        defer { _ = ocpp.stop() }
        let simulated = try await ServiceProcess.start(
            "substation-S-SIM",
            ["substation", "--id", "S-SIM", "--port", "0", "--capacity-kw", "400", "--data-dir", "none", "--log-level", "warning"])
        defer { _ = simulated.stop() }
        let balancer = try await ServiceProcess.start(
            "balancer", ["balancer", "--port", "0", "--poll-interval", "0.5", "--substation", ocpp.url, "--substation", simulated.url])
        defer { _ = balancer.stop() }
        let gateway = try await ServiceProcess.start(
            "gateway", ["gateway", "--port", "0", "--balancer", balancer.url, "--data-dir", "none", "--log-level", "warning"])
        defer { _ = gateway.stop() }
        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("both substations up at the balancer") {
                let grid = try await http.get(gateway.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                return grid.count == 2 && grid.allSatisfy { $0["up"] as? Bool == true }
            }
        }
        let seen = try Self.drive("booking", [ocpp.url, version, gateway.url, "S-OCPP"])
        let booked = try #require(seen["booked"] as? [String: Any])
        let reservation = try #require(seen["reservation"] as? [String: Any])
        let charging = try #require(seen["readCharging"] as? [String: Any])
        let ended = try #require(seen["readAfter"] as? [String: Any])
        print(
            "\(version): booking \(booked["id"] ?? "") on \(booked["chargePointId"] ?? "") connector \(booked["connectorId"] ?? ""), attempts \(seen["attempts"] ?? "")"
        )
        #expect(booked["chargePointId"] as? String == "CP-BOOK")
        #expect(booked["connectorId"] as? Int == reservation["connector"] as? Int)
        #expect(reservation["idTag"] as? String == booked["vehicleId"] as? String)
        #expect(charging["status"] as? String == "charging")
        #expect(charging["transactionId"] as? String == seen["transactionId"] as? String, "the transaction is named on the booking")
        #expect(seen["sessionsBefore"] as? Double == 1 && seen["sessionsCharging"] as? Double == 1, "no second session for the transaction")
        #expect(seen["limitW"] as? Double == 11_000, "the transaction is limited to the booking's 11 kW, not the connector's 22 kW")
        #expect(ended["status"] as? String == "completed", "the booking ends with its transaction: \(ended)")
        #expect(ended["id"] as? String == booked["id"] as? String)
        // The grid view (and so the dashboard) lists the charge point beside the simulated substation.
        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("CP-BOOK listed under S-OCPP in the gateway's grid view") {
                let grid = try await http.get(gateway.url + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                let chargers = grid.first { $0["id"] as? String == "S-OCPP" }?["chargers"] as? [[String: Any]] ?? []
                let simulatedHasNone = grid.first { $0["id"] as? String == "S-SIM" }?["chargers"] == nil
                return simulatedHasNone && chargers.contains { $0["chargePointId"] as? String == "CP-BOOK" && $0["connected"] is Bool }
            }
        }
    }

    @Test func aReservationWhoseCarNeverComesExpires() async throws {
        let timeout = 3.0
        let substation = try await Self.startSubstation(["--ocpp-reservation-timeout", String(timeout)])
        defer { _ = substation.stop() }
        let seen = try Self.drive("expiry", [substation.url, "ocpp1.6", String(timeout)])
        let booked = try #require(seen["booked"] as? [String: Any])
        let expiredAfter = try #require(seen["expiredAfterSeconds"] as? Double)
        #expect(booked["chargePointId"] as? String == "CP-LATE" && booked["connectorId"] as? Int == 1)
        #expect(seen["secondStatus"] as? Int == 409, "the only connector is reserved")
        #expect(expiredAfter >= timeout - 0.5 && expiredAfter <= timeout + 3, "expired after \(expiredAfter) s")
        #expect((seen["final"] as? [String: Any])?["status"] as? String == "cancelled")
    }

    @Test func handshakesWithoutTheRightCredentialsIdOrSubprotocolAreRefused() async throws {
        let password = "s3cret-\(UUID().uuidString.prefix(8))"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-credentials-\(UUID().uuidString.prefix(8)).txt")
        try "# test chargers\nCP-OK:\(password)\nCP-OTHER:another-password\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let substation = try await Self.startSubstation(["--ocpp-credentials", file.path])
        defer { _ = substation.stop() }
        let seen = try Self.drive("refusals", [substation.url, password])
        #expect(seen["good16"] as? String == "101 ocpp1.6")
        #expect(seen["good201"] as? String == "101 ocpp2.0.1")
        for case (let name, let status) in [
            ("wrongPassword", 401), ("noCredentials", 401), ("otherChargersPassword", 401), ("badId", 400), ("longId", 400),
            ("badSubprotocol", 400), ("noSubprotocol", 400),
        ] {
            #expect(seen[name] as? Int == status, "\(name): \(seen[name] ?? "nothing")")
        }
        #expect(seen["sessions"] as? Double == 0, "nothing refused reached the allocator")
    }

    @Test func aGracefulStopClosesTheChargersLinksCleanlyAndExitsZero() async throws {
        let substation = try await Self.startSubstation()
        // The driver's WebSocket close code, once the substation closed the link.
        let driver = Task.detached { try Self.drive("hold", [substation.url, "ocpp2.0.1"])["closeCode"] as? Int }
        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("CP-HOLD charging") {
                let text = String(decoding: try await http.get(substation.url + "/metrics").body, as: UTF8.self)
                return text.contains(#"substation_charger_connected{substation="S-OCPP",charge_point="CP-HOLD"} 1"#)
                    && text.contains(#"substation_active_sessions{substation="S-OCPP"} 1"#)
            }
        }
        substation.beginStop()
        let exit = try #require(await substation.waitForExit(within: .seconds(10)), "the substation did not stop within 10 s")
        #expect(exit.status == 0)
        let closeCode = try await driver.value
        #expect(closeCode == 1000, "the link was closed normally: \(String(describing: closeCode))")
        print("graceful stop with a charger connected: exit \(exit.status) after \(exit.after)")
    }

    @Test(arguments: versions)
    func brokenFramesGetCallErrorsAndTheLinkStaysUp(version: String) async throws {
        let substation = try await Self.startSubstation()
        defer { _ = substation.stop() }
        let seen = try Self.drive("bad-input", [substation.url, version])
        let answers = try #require(seen["answers"] as? [String: [Any]])
        func code(_ name: String) -> String? { answers[name].flatMap { $0.count == 5 && $0[0] as? Int == 4 ? $0[2] as? String : nil } }
        let formatViolation = version == "ocpp1.6" ? "FormationViolation" : "FormatViolation"
        #expect(code("notJson") == formatViolation)
        #expect(code("notAnArray") == formatViolation)
        #expect(code("unknownAction") == "NotImplemented")
        #expect(code("missingField") == "ProtocolError")
        #expect(code("wrongType") == "TypeConstraintViolation")
        #expect(answers["boot"]?.first as? Int == 3, "the same link still answers: \(answers["boot"] ?? [])")
        #expect(answers["heartbeat"]?.first as? Int == 3)
        #expect(seen["otherHeartbeat"] as? String != nil, "another charger is unaffected")
    }
}

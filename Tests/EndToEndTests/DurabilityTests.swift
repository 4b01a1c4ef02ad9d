import Foundation
import GridStore
import GridCore
import Testing

/// What the gateway answered survives its crash: it keeps bookings in SQLite (WAL) before it
/// answers 201, and the final answers to idempotent requests likewise.
@Suite(.serialized) struct DurabilityTests {
    static let plans: [TestGrid.SubstationPlan] = [.init(capacityKW: 400, points: 100), .init(capacityKW: 630, points: 100)]

    @Test func aGatewayKilledAndRestartedStillKnowsEveryAnswer() async throws {
        let grid = try await TestGrid.start(Self.plans)
        defer { grid.stop() }
        try await TestHTTP.withClient { http in
            // 60 bookings, every third with an Idempotency-Key.
            var booked: [(id: String, substationId: String, key: String?, body: Data)] = []
            for index in 0..<60 {
                let key = index % 3 == 0 ? "retry-\(index)" : nil
                let body = try JSONSerialization.data(withJSONObject: ["vehicleId": "EV-\(index)", "energyKWh": 30, "maxPowerKW": 11])
                let answer = try await http.send(
                    .POST, grid.chargeRequests, body: body, headers: key.map { ["Idempotency-Key": $0] } ?? [:])
                #expect(answer.status == 201)
                let id = try #require(answer.json?["id"] as? String)
                booked.append((id, try #require(answer.json?["substationId"] as? String), key, body))
            }

            grid.gateway.kill()  // SIGKILL: no chance to flush anything
            try await grid.restartGateway()

            for booking in booked {
                let answer = try await http.get(grid.chargeRequests + "/" + booking.id)
                #expect(answer.status == 200, "\(booking.id) after the restart: \(answer.status)")
                #expect(answer.json?["substationId"] as? String == booking.substationId)
            }
            // Retries of idempotent requests replay the first answer and book nothing new.
            for booking in booked where booking.key != nil {
                let retry = try await http.send(.POST, grid.chargeRequests, body: booking.body, headers: ["Idempotency-Key": booking.key!])
                #expect(retry.status == 201)
                #expect(retry.json?["id"] as? String == booking.id)
                #expect(retry.headers.first(name: "Idempotent-Replayed") == "true")
            }
            let reused = try await http.send(
                .POST, grid.chargeRequests,
                body: try JSONSerialization.data(withJSONObject: ["vehicleId": "EV-x", "energyKWh": 5, "maxPowerKW": 7]),
                headers: ["Idempotency-Key": booked[0].key!])
            #expect(reused.status == 422, "the same key with another body, after the restart")

            let admitted = try await grid.substationMetrics(http).map {
                $0.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) ?? -1
            }
            #expect(admitted.reduce(0, +) == Double(booked.count), "admitted per substation: \(admitted)")
        }
    }

    /// A substation killed with SIGKILL and started again on its folder resumes its sessions:
    /// the same ones, still charging, with no energy lost, and its counters where they were.
    @Test func aSubstationKilledAndRestartedResumesItsSessions() async throws {
        let data = TestGrid.newDataDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let plan = TestGrid.SubstationPlan(capacityKW: 400, points: 20)
        var substation = try await TestGrid.startSubstation(index: 0, plan: plan, port: 0, baseLoad: 0.2, dataDirectory: data)
        defer { _ = substation.stop() }
        try await TestHTTP.withClient { http in
            var ids: [String] = []
            for index in 0..<6 {
                let order: [String: Any] = ["id": "car-\(index)", "vehicleId": "EV-\(index)", "energyKWh": 60, "maxPowerKW": 22]
                let answer = try await http.postJSON(substation.url + "/sessions", order)
                #expect(answer.status == 201)
                ids.append(try #require(answer.json?["id"] as? String))
            }
            let cancelled = try await http.send(.DELETE, substation.url + "/sessions/" + ids[5])
            #expect(cancelled.status == 200)
            var before: [String: Double] = [:]
            _ = try await TestHTTP.eventually("energy flows to every car") {
                for id in ids.prefix(5) {
                    before[id] = try await http.get(substation.url + "/sessions/" + id).json?["energyDeliveredKWh"] as? Double ?? 0
                }
                return before.values.allSatisfy { $0 > 0 }
            }
            // Kill only once the journal holds at least those readings (a checkpoint comes every second).
            let journal = data.appendingPathComponent("substations/substation-S1.sqlite").path
            _ = try await TestHTTP.eventually("a checkpoint after those readings") {
                let journaled = try await Self.journaledEnergy(journal)
                return ids.prefix(5).allSatisfy { (journaled[$0] ?? 0) >= before[$0]! }
            }

            substation.kill()
            substation = try await TestGrid.startSubstation(index: 0, plan: plan, port: substation.port, baseLoad: 0.2, dataDirectory: data)

            for id in ids.prefix(5) {
                let answer = try await http.get(substation.url + "/sessions/" + id)
                #expect(answer.status == 200, "\(id) after the restart")
                #expect(answer.json?["status"] as? String == "charging")
                let energy = answer.json?["energyDeliveredKWh"] as? Double ?? -1
                #expect(energy >= before[id]!, "\(id): \(energy) kWh after the restart, \(before[id]!) before")
            }
            #expect(try await http.get(substation.url + "/sessions/" + ids[5]).json?["status"] as? String == "cancelled")
            let metrics = try await http.metrics(of: substation.url)
            #expect(metrics.value(of: "substation_active_sessions") == 5)
            #expect(metrics.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) == 6)
            #expect(metrics.value(of: "substation_sessions_total", where: ["outcome": "cancelled"]) == 1)
        }
    }

    /// The energy each session had at the journal's last write, read from the file as a restart would.
    static func journaledEnergy(_ path: String) async throws -> [String: Double] {
        let store = try await SQLiteStore.openAsItIs(path: path)
        let rows = try await store.rows("SELECT id, body FROM sessions")
        try await store.close()
        var energy: [String: Double] = [:]
        for row in rows {
            guard let id = row.column("id")?.string, let body = row.column("body")?.string,
                let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            else { continue }
            energy[id] = json["energyDeliveredKWh"] as? Double
        }
        return energy
    }

    @Test func anUnusableDataFolderIsAOneLineError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-not-a-folder-\(UUID().uuidString.prefix(8))")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try Tools.run(ServiceProcess.binary.path, ["gateway", "--port", "0", "--data-dir", file.path])
        #expect(status != 0)
        #expect(output.contains("cannot open the database"), "\(output)")
    }
}

import Foundation
import GridCore
import Testing

/// Several gateways on one PostgreSQL behave as one: a booking made through one is read and
/// cancelled through another, an `Idempotency-Key` replays anywhere and the same key sent to two
/// gateways at once books once, a gateway killed mid-burst loses no 201, and a database restart
/// mid-burst is 503s with Retry-After, then recovery. Real processes, a real server
/// (`scripts/test.sh` starts it), a database of its own per test.
@Suite(.serialized, .enabled(if: TestDatabase.enabled, "needs PostgreSQL: run ./scripts/test.sh (SMARTGRID_TEST_DATABASE_URL)"))
struct SharedDatabaseTests {
    static func startGateway(_ name: String, balancerURL: String, database: String, port: Int = 0) async throws -> ServiceProcess {
        try await ServiceProcess.start(
            name,
            [
                "gateway", "--port", String(port), "--balancer", balancerURL, "--database", database, "--data-dir", "none",
                "--log-level", "warning",
            ])
    }

    /// Two gateways started at once on a fresh database (both migrate it: one waits for the other).
    static func twoGateways(_ grid: TestGrid, database: String) async throws -> (ServiceProcess, ServiceProcess) {
        async let first = startGateway("gateway-A", balancerURL: grid.balancer.url, database: database)
        async let second = startGateway("gateway-B", balancerURL: grid.balancer.url, database: database)
        return try await (first, second)
    }

    static var body: [String: Any] { ["vehicleId": "EV-shared", "energyKWh": 30, "maxPowerKW": 11] }

    static func keyed(_ http: TestHTTP, _ url: String, key: String, _ object: [String: Any]) async throws -> TestHTTP.Answer {
        try await http.send(
            .POST, url + "/api/v1/charge-requests", body: try JSONSerialization.data(withJSONObject: object), headers: ["Idempotency-Key": key])
    }

    @Test func aBookingIsReadCancelledAndReplayedThroughEitherGateway() async throws {
        let database = try TestDatabase.create()
        let grid = try await TestGrid.start([.init(capacityKW: 400, points: 20)])
        defer { grid.stop() }
        let (a, b) = try await Self.twoGateways(grid, database: database)
        defer {
            _ = a.stop()
            _ = b.stop()
        }
        try await TestHTTP.withClient { http in
            let booked = try await http.postJSON(a.url + "/api/v1/charge-requests", Self.body)
            #expect(booked.status == 201)
            let id = try #require(booked.json?["id"] as? String)
            let read = try await http.get(b.url + "/api/v1/charge-requests/\(id)")
            #expect(read.status == 200)
            #expect(read.json?["id"] as? String == id)
            #expect(read.json?["status"] as? String == "charging")

            let first = try await Self.keyed(http, a.url, key: "shared-key-1", Self.body)
            #expect(first.status == 201)
            let replay = try await Self.keyed(http, b.url, key: "shared-key-1", Self.body)
            #expect(replay.status == 201)
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(replay.json?["id"] as? String == first.json?["id"] as? String)
            var other = Self.body
            other["energyKWh"] = 10
            let conflict = try await Self.keyed(http, b.url, key: "shared-key-1", other)
            #expect(conflict.status == 422)

            let cancelled = try await http.send(.DELETE, b.url + "/api/v1/charge-requests/\(id)")
            #expect(cancelled.status == 200)
            #expect(cancelled.json?["status"] as? String == "cancelled")
            let afterwards = try await http.get(a.url + "/api/v1/charge-requests/\(id)")
            #expect(afterwards.json?["status"] as? String == "cancelled")
            let unknown = try await http.get(b.url + "/api/v1/charge-requests/no-such-request")
            #expect(unknown.status == 404)
            for gateway in [a, b] { #expect(try await http.get(gateway.url + "/ready").status == 200) }
            // One booking without a key, one with: the substation keeps two sessions, one of them cancelled.
            #expect(try await sessionsKept(http, by: grid.substationProcesses) == 1)
        }
    }

    @Test func theSameKeySentToBothGatewaysAtOnceBooksOnce() async throws {
        let database = try TestDatabase.create()
        let grid = try await TestGrid.start([.init(capacityKW: 630, points: 200)], baseLoad: 0.1)
        defer { grid.stop() }
        let (a, b) = try await Self.twoGateways(grid, database: database)
        defer {
            _ = a.stop()
            _ = b.stop()
        }
        let cars = 40
        try await TestHTTP.withClient { http in
            let firstAnswers = try await withThrowingTaskGroup(of: (Int, Int, String?).self) { group in
                for car in 0..<cars {
                    for gateway in [a, b] {
                        group.addTask {
                            let answer = try await Self.keyed(
                                http, gateway.url, key: "race-\(car)", ["vehicleId": "EV-\(car)", "energyKWh": 20, "maxPowerKW": 7])
                            return (car, answer.status, answer.json?["id"] as? String)
                        }
                    }
                }
                return try await group.reduce(into: [(Int, Int, String?)]()) { $0.append($1) }
            }
            // Each car: at most one id among its 201s; the other attempt is 409 (in progress) or the same answer again.
            var ids: [Int: Set<String>] = [:]
            for (car, status, id) in firstAnswers {
                #expect(status == 201 || status == 409, "car \(car) answered \(status)")
                if status == 201, let id { ids[car, default: []].insert(id) }
            }
            #expect(ids.values.allSatisfy { $0.count == 1 }, "a key booked twice: \(ids.filter { $0.value.count > 1 })")
            // Retries (to either gateway) settle every car on its one order.
            for car in 0..<cars {
                _ = try await TestHTTP.eventually("car \(car) answered 201") {
                    let answer = try await Self.keyed(
                        http, car % 2 == 0 ? b.url : a.url, key: "race-\(car)", ["vehicleId": "EV-\(car)", "energyKWh": 20, "maxPowerKW": 7])
                    guard answer.status == 201, let id = answer.json?["id"] as? String else { return false }
                    ids[car, default: []].insert(id)
                    return true
                }
            }
            #expect(ids.count == cars)
            #expect(ids.values.allSatisfy { $0.count == 1 })
            #expect(try await sessionsKept(http, by: grid.substationProcesses) == cars)
        }
    }

    @Test func killingOneGatewayMidBurstLosesNo201() async throws {
        let database = try TestDatabase.create()
        let grid = try await TestGrid.start([.init(capacityKW: 630, points: 300)], baseLoad: 0.1)
        defer { grid.stop() }
        let (a, b) = try await Self.twoGateways(grid, database: database)
        defer { _ = b.stop() }
        let booked = Locked<[String]>([])
        let killed = Locked(false)
        try await TestHTTP.withClient { http in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        for index in 0..<25 {
                            let gateway = (client + index) % 2 == 0 ? a : b
                            guard
                                let answer = try? await http.postJSON(
                                    gateway.url + "/api/v1/charge-requests", ["vehicleId": "EV-\(client)-\(index)", "energyKWh": 20, "maxPowerKW": 7])
                            else { continue }  // the killed gateway: no answer, nothing promised
                            if answer.status == 201, let id = answer.json?["id"] as? String { booked.withLock { $0.append(id) } }
                            if client == 0, index == 10 {
                                a.kill()
                                killed.withLock { $0 = true }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(killed.withLock { $0 })
            let ids = booked.withLock { $0 }
            #expect(ids.count >= 100, "only \(ids.count) bookings answered 201")
            for id in ids {
                let read = try await http.get(b.url + "/api/v1/charge-requests/\(id)")
                #expect(read.status == 200, "201 for \(id) through either gateway, but the survivor answers \(read.status)")
            }
        }
    }

    @Test func aDatabaseRestartMidBurstIs503sThenRecoveryAndLosesNo201() async throws {
        let database = try TestDatabase.create()
        let grid = try await TestGrid.start([.init(capacityKW: 630, points: 300)], baseLoad: 0.1)
        defer { grid.stop() }
        let gateway = try await Self.startGateway("gateway-A", balancerURL: grid.balancer.url, database: database)
        defer { _ = gateway.stop() }
        let restarted = Locked(false)
        try await TestHTTP.withClient { http in
            let answers = try await rush(http, gateway: gateway.url, clients: 3, pause: .milliseconds(100), length: .seconds(8)) { start in
                try await Task.sleep(until: start + .seconds(2))
                try TestDatabase.control("stop")
                defer { try? TestDatabase.control("start") }
                try await Task.sleep(until: start + .seconds(4))
                try TestDatabase.control("start")
                restarted.withLock { $0 = true }
            }
            #expect(restarted.withLock { $0 })
            let statuses = Dictionary(grouping: answers, by: \.status).mapValues(\.count)
            #expect(Set(statuses.keys).isSubset(of: [201, 503]), "answers: \(statuses)")
            #expect((statuses[503] ?? 0) > 0, "the database was down for 2 s, yet no 503: \(statuses)")
            let down = try await http.get(gateway.url + "/ready")
            #expect(down.status == 200, "the gateway reconnected by itself")
            // Recovery: bookings go through again, and every 201 is found.
            _ = try await TestHTTP.eventually("a booking goes through after the restart") {
                try await http.postJSON(gateway.url + "/api/v1/charge-requests", Self.body).status == 201
            }
            for id in answers.filter({ $0.status == 201 }).compactMap(\.id) {
                let read = try await http.get(gateway.url + "/api/v1/charge-requests/\(id)")
                #expect(read.status == 200, "\(id) answered 201 but reads \(read.status)")
            }
        }
    }

    @Test func aDownDatabaseIsA503WithRetryAfter() async throws {
        let database = try TestDatabase.create()
        let grid = try await TestGrid.start([.init(capacityKW: 400, points: 20)])
        defer { grid.stop() }
        let gateway = try await Self.startGateway("gateway-A", balancerURL: grid.balancer.url, database: database)
        defer { _ = gateway.stop() }
        try TestDatabase.control("stop")
        defer { try? TestDatabase.control("start") }
        try await TestHTTP.withClient { http in
            let started = ContinuousClock.now
            let keyed = try await Self.keyed(http, gateway.url, key: "while-down", Self.body)
            let plain = try await http.postJSON(gateway.url + "/api/v1/charge-requests", Self.body)
            let read = try await http.get(gateway.url + "/api/v1/charge-requests/anything")
            let ready = try await http.get(gateway.url + "/ready")
            #expect(ContinuousClock.now - started < .seconds(12), "answers while the database is down must not hang")
            for answer in [keyed, plain, read, ready] {
                #expect(answer.status == 503)
                #expect(answer.contentType == "application/problem+json")
                #expect(answer.headers.first(name: "Retry-After") != nil)
            }
            try TestDatabase.control("start")
            _ = try await TestHTTP.eventually(within: .seconds(20), "the gateway reconnects by itself") {
                try await Self.keyed(http, gateway.url, key: "while-down", Self.body).status == 201
            }
        }
    }

    @Test(arguments: ["url", "password", "host"])
    func badDatabaseSettingsExitOneWithAReason(_ fault: String) async throws {
        let url: String
        switch fault {
        case "url": url = "mysql://nobody@127.0.0.1/x"
        case "password": url = TestDatabase.withWrongPassword(try TestDatabase.create())
        default: url = "postgres://smartgrid:secret@127.0.0.1:1/smartgrid"
        }
        let started = ContinuousClock.now
        let result = try Tools.run(
            ServiceProcess.binary.path, ["gateway", "--port", "0", "--database", url, "--data-dir", "none"], includeErrors: true)
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(result.status == 1, "exit \(result.status): \(result.output)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 1, "one line, got: \(result.output)")
        #expect(result.output.contains("--database"))
        #expect(!result.output.contains("not-the-password"), "the password is never printed")
        if fault == "password" { #expect(result.output.contains("password authentication failed")) }
    }
}

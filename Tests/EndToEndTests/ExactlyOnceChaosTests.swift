import Foundation
import GridCore
import Testing

/// Exactly once across every seam, through real processes: during a rush in which each client
/// retries a failed request with its `Idempotency-Key` until it is answered 201, the balancer and
/// the gateway are killed with SIGKILL and restarted, and a substation is killed and comes back
/// on a new address with its journal. Afterwards the substations keep exactly one session per
/// car answered 201, no key has two, and every id is found through the gateway.
@Suite(.serialized) struct ExactlyOnceChaosTests {
    /// What one car's driver saw: every id a 201 named, and how many tries it took.
    struct Car: Sendable {
        var key: String
        var ids: Set<String> = []
        var tries = 0
        var statuses: [Int: Int] = [:]
    }

    @Test func killsOfBalancerGatewayAndAMovingSubstationBookEveryCarOnce() async throws {
        let data = TestGrid.newDataDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let plan = TestGrid.SubstationPlan(capacityKW: 630, points: 300)
        var first: [ServiceProcess] = []
        for index in 0..<3 {
            first.append(try await TestGrid.startSubstation(index: index, plan: plan, port: 0, baseLoad: 0.2, dataDirectory: data))
        }
        let substations = Locked(first)
        @Sendable func startBalancer(port: Int) async throws -> ServiceProcess {
            try await ServiceProcess.start(
                "balancer",
                ["balancer", "--port", String(port), "--poll-interval", "0.5", "--log-level", "warning"]
                    + substations.withLock { $0 }.flatMap { ["--substation", $0.url] })
        }
        let balancer = Locked(try await startBalancer(port: 0))
        let balancerURL = balancer.withLock { $0.url }
        let balancerPort = balancer.withLock { $0.port }
        let gateway = Locked(try await TestGrid.startGateway(balancerURL: balancerURL, port: 0, dataDirectory: data))
        let gatewayURL = gateway.withLock { $0.url }
        let gatewayPort = gateway.withLock { $0.port }
        defer {
            _ = gateway.withLock { $0 }.stop()
            _ = balancer.withLock { $0 }.stop()
            for substation in substations.withLock({ $0 }) { _ = substation.stop() }
        }

        let faults: [(at: Duration, what: String, act: @Sendable () async throws -> Void)] = [
            (.seconds(3), "balancer killed", { balancer.withLock { $0 }.kill() }),
            (.seconds(5), "balancer back", {
                let restarted = try await startBalancer(port: balancerPort)
                balancer.withLock { $0 = restarted }
            }),
            (.seconds(8), "gateway killed", { gateway.withLock { $0 }.kill() }),
            (
                .seconds(10), "gateway back on its data",
                {
                    let restarted = try await TestGrid.startGateway(balancerURL: balancerURL, port: gatewayPort, dataDirectory: data)
                    gateway.withLock { $0 = restarted }
                }
            ),
            (
                .seconds(13), "S1 killed, back on a new address with its journal; the balancer (killed) learns it",
                {
                    let old = substations.withLock { $0 }[0]
                    old.kill()
                    let moved = try await TestGrid.startSubstation(index: 0, plan: plan, port: 0, baseLoad: 0.2, dataDirectory: data)
                    #expect(moved.port != old.port)
                    substations.withLock { $0[0] = moved }
                    balancer.withLock { $0 }.kill()
                    let restarted = try await startBalancer(port: balancerPort)
                    balancer.withLock { $0 = restarted }
                }
            ),
        ]

        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("every substation up") {
                let view = try await http.get(gatewayURL + "/api/v1/grid").json?["substations"] as? [[String: Any]] ?? []
                return view.count == 3 && view.allSatisfy { $0["up"] as? Bool == true }
            }
            let start = ContinuousClock.now
            let cars = try await withThrowingTaskGroup(of: [Car].self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var cars: [Car] = []
                        var index = 0
                        // New cars for 18 s; each is retried with its key until answered 201 (at most 40 s a car).
                        while ContinuousClock.now - start < .seconds(18), index < 200 {
                            cars.append(try await Self.drive(http, gateway: gatewayURL, key: "car-\(client)-\(index)"))
                            index += 1
                            try await Task.sleep(for: .milliseconds(150))
                        }
                        return cars
                    }
                }
                group.addTask {
                    for fault in faults {
                        try await Task.sleep(until: start + fault.at, clock: .continuous)
                        print("exactly-once chaos at \(fault.at): \(fault.what)")
                        try await fault.act()
                    }
                    return []
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }

            let statuses = cars.reduce(into: [Int: Int]()) { all, car in all.merge(car.statuses, uniquingKeysWith: +) }
            let tries = cars.map(\.tries).reduce(0, +)
            print("exactly-once chaos: \(cars.count) cars, \(tries) tries, answers by status \(statuses) (0: no answer)")
            #expect(cars.count > 100, "a rush of cars: \(cars.count)")
            #expect(cars.allSatisfy { $0.ids.count == 1 }, "every key answered 201 with one id: \(cars.filter { $0.ids.count != 1 }.prefix(3))")
            #expect(Set(statuses.keys).isSubset(of: [0, 201, 409, 502, 503, 504]), "only documented answers: \(statuses)")
            #expect(statuses.keys.contains { $0 != 201 }, "the faults were felt: \(statuses)")
            let booked = Set(cars.flatMap(\.ids))
            #expect(booked.count == cars.count, "distinct ids \(booked.count) for \(cars.count) cars")

            let kept = try await settledSessionsKept(http, by: substations.withLock { $0 }, expected: booked.count)
            #expect(kept == booked.count, "sessions kept by the substations \(kept), distinct ids answered 201: \(booked.count)")
            var missing: [String] = []
            for id in booked where try await http.get(gatewayURL + "/api/v1/charge-requests/" + id).status != 200 {
                missing.append(id)
            }
            #expect(missing.isEmpty, "\(missing.count) booked ids not found through the gateway, e.g. \(missing.prefix(3))")
            // The sessions S1 took before it moved are among them: reached by its id, not its old address.
            let onS1 = try await http.metrics(of: substations.withLock { $0 }[0].url)
                .value(of: "substation_active_sessions") ?? 0
            #expect(onS1 > 0, "S1 resumed sessions at its new address")
        }
    }

    /// One driver: the same key and body until a 201 (a transport error counts as no answer).
    static func drive(_ http: TestHTTP, gateway: String, key: String) async throws -> Car {
        var car = Car(key: key)
        let body = try JSONSerialization.data(withJSONObject: ["vehicleId": key, "energyKWh": 60, "maxPowerKW": 11])
        let deadline = ContinuousClock.now + .seconds(40)
        while ContinuousClock.now < deadline {
            car.tries += 1
            let answer = try? await http.send(
                .POST, gateway + "/api/v1/charge-requests", body: body, headers: ["Idempotency-Key": key])
            car.statuses[answer?.status ?? 0, default: 0] += 1
            if let answer, answer.status == 201, let id = answer.json?["id"] as? String {
                car.ids.insert(id)
                // Once more: a replay must name the same id.
                if let replay = try? await http.send(
                    .POST, gateway + "/api/v1/charge-requests", body: body, headers: ["Idempotency-Key": key]),
                    replay.status == 201, let again = replay.json?["id"] as? String
                {
                    car.ids.insert(again)
                }
                return car
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return car
    }
}

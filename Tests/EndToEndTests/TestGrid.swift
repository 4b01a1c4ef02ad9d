import Foundation
import GridCore
import Synchronization

/// Substations, a balancer and a gateway, each its own `smartgrid` process on loopback.
final class TestGrid: Sendable {
    struct SubstationPlan: Sendable {
        var capacityKW: Double
        var points: Int
    }

    let plans: [SubstationPlan]
    let balancer: ServiceProcess
    private let gateways: Mutex<ServiceProcess>
    let substations: Mutex<[ServiceProcess]>
    let baseLoad: Double
    /// This grid's own data folder (the gateway's and substations' SQLite files), removed at stop.
    let dataDirectory: URL

    init(
        plans: [SubstationPlan], substations: [ServiceProcess], balancer: ServiceProcess, gateway: ServiceProcess, baseLoad: Double,
        dataDirectory: URL
    ) {
        self.plans = plans
        self.substations = Mutex(substations)
        self.balancer = balancer
        self.gateways = Mutex(gateway)
        self.baseLoad = baseLoad
        self.dataDirectory = dataDirectory
    }

    var gateway: ServiceProcess { gateways.withLock { $0 } }

    static func newDataDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-test-data-\(UUID().uuidString.prefix(8))")
    }

    static func startGateway(balancerURL: String, port: Int, dataDirectory: URL) async throws -> ServiceProcess {
        try await ServiceProcess.start(
            "gateway",
            [
                "gateway", "--port", String(port), "--balancer", balancerURL, "--data-dir",
                dataDirectory.appendingPathComponent("gateway").path, "--log-level", "warning",
            ])
    }

    /// Starts the gateway again on the port it had, with the data it had.
    func restartGateway() async throws {
        let process = try await Self.startGateway(balancerURL: balancer.url, port: gateway.port, dataDirectory: dataDirectory)
        gateways.withLock { $0 = process }
    }

    static func start(_ plans: [SubstationPlan], baseLoad: Double = 0.3, pollInterval: Double = 0.5) async throws -> TestGrid {
        let dataDirectory = newDataDirectory()
        var substations: [ServiceProcess] = []
        for (index, plan) in plans.enumerated() {
            substations.append(
                try await startSubstation(index: index, plan: plan, port: 0, baseLoad: baseLoad, dataDirectory: dataDirectory))
        }
        let balancer = try await ServiceProcess.start(
            "balancer",
            ["balancer", "--port", "0", "--poll-interval", String(pollInterval), "--log-level", "warning"]
                + substations.flatMap { ["--substation", $0.url] })
        let gateway = try await startGateway(balancerURL: balancer.url, port: 0, dataDirectory: dataDirectory)
        let grid = TestGrid(
            plans: plans, substations: substations, balancer: balancer, gateway: gateway, baseLoad: baseLoad, dataDirectory: dataDirectory)
        try await TestHTTP.withClient { http in
            _ = try await TestHTTP.eventually("every substation up at the balancer") {
                try await grid.gridView(http).allSatisfy { $0["up"] as? Bool == true }
            }
        }
        return grid
    }

    /// A substation process; with `dataDirectory`, it journals its sessions there (and a restart
    /// on the same folder resumes them), else it keeps nothing.
    static func startSubstation(
        index: Int, plan: SubstationPlan, port: Int, baseLoad: Double, dataDirectory: URL? = nil
    ) async throws -> ServiceProcess {
        try await ServiceProcess.start(
            "substation-S\(index + 1)",
            [
                "substation", "--port", String(port), "--id", "S\(index + 1)", "--capacity-kw", String(plan.capacityKW),
                "--charging-points", String(plan.points), "--base-load", String(baseLoad), "--time-scale", "1",
                "--seed", String(index + 1), "--log-level", "warning", "--data-dir",
                dataDirectory?.appendingPathComponent("substations").path ?? "none",
            ])
    }

    var substationProcesses: [ServiceProcess] { substations.withLock { $0 } }

    func kill(substation index: Int) {
        substationProcesses[index].kill()
    }

    /// Starts substation `index` again on the port it had.
    func restart(substation index: Int) async throws {
        let port = substationProcesses[index].port
        let process = try await Self.startSubstation(
            index: index, plan: plans[index], port: port, baseLoad: baseLoad, dataDirectory: dataDirectory)
        substations.withLock { $0[index] = process }
    }

    func stop() {
        _ = gateway.stop()
        _ = balancer.stop()
        for substation in substationProcesses { _ = substation.stop() }
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    var chargeRequests: String { gateway.url + "/api/v1/charge-requests" }

    func gridView(_ http: TestHTTP) async throws -> [[String: Any]] {
        let answer = try await http.get(gateway.url + "/api/v1/grid")
        return answer.json?["substations"] as? [[String: Any]] ?? []
    }

    /// Every substation's metrics, parsed with the same parser the balancer uses.
    func substationMetrics(_ http: TestHTTP) async throws -> [[MetricSample]] {
        var all: [[MetricSample]] = []
        for substation in substationProcesses { all.append(try await http.metrics(of: substation.url)) }
        return all
    }
}

/// Sends `count` charge requests with at most `concurrency` in flight; answers in request order.
func burst(
    _ http: TestHTTP, to url: String, count: Int, concurrency: Int, body: @escaping @Sendable (Int) -> [String: Any],
    afterEach: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> [TestHTTP.Answer] {
    let next = Locked(0)
    return try await withThrowingTaskGroup(of: [(Int, TestHTTP.Answer)].self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var answers: [(Int, TestHTTP.Answer)] = []
                while true {
                    let index = next.withLock { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < count else { return answers }
                    answers.append((index, try await http.postJSON(url, body(index))))
                    await afterEach(index)
                }
            }
        }
        var all: [(Int, TestHTTP.Answer)] = []
        for try await part in group { all += part }
        return all.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// A rush hour for the fault tests: `clients` each send a charge request to `gateway`, pause
/// `pause`, and again, until `length` is over (at most 1,000 each), while `faults` runs beside them.
/// The answers' statuses and ids.
func rush(
    _ http: TestHTTP, gateway: String, clients: Int, pause: Duration, length: Duration,
    faults: @escaping @Sendable (ContinuousClock.Instant) async throws -> Void
) async throws -> [(status: Int, id: String?)] {
    let start = ContinuousClock.now
    return try await withThrowingTaskGroup(of: [(status: Int, id: String?)].self) { group in
        for client in 0..<clients {
            group.addTask {
                var answers: [(status: Int, id: String?)] = []
                var index = 0
                while ContinuousClock.now - start < length, index < 1_000 {
                    let answer = try await http.postJSON(
                        gateway + "/api/v1/charge-requests", ["vehicleId": "EV-\(client)-\(index)", "energyKWh": 30, "maxPowerKW": 11])
                    answers.append((answer.status, answer.json?["id"] as? String))
                    index += 1
                    try await Task.sleep(for: pause)
                }
                return answers
            }
        }
        group.addTask {
            try await faults(start)
            return []
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
}

/// Sessions the substations keep: admitted minus cancelled (in the fault tests only the
/// balancer's undos cancel), from each substation's own metrics.
func sessionsKept(_ http: TestHTTP, by substations: [ServiceProcess]) async throws -> Int {
    var kept = 0.0
    for substation in substations {
        let metrics = try await http.metrics(of: substation.url)
        kept +=
            (metrics.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) ?? -1)
            - (metrics.value(of: "substation_sessions_total", where: ["outcome": "cancelled"]) ?? -1)
    }
    return Int(kept)
}

/// The sessions kept once pending undos have gone out: polled until it equals `expected` (at
/// most 20 s), then the last count, which the caller checks.
func settledSessionsKept(_ http: TestHTTP, by substations: [ServiceProcess], expected: Int) async throws -> Int {
    _ = try? await TestHTTP.eventually(within: .seconds(20), "the kept sessions settle at \(expected)") {
        try await sessionsKept(http, by: substations) == expected
    }
    return try await sessionsKept(http, by: substations)
}

extension TestHTTP {
    /// A service's `/metrics`, parsed.
    func metrics(of serviceURL: String) async throws -> [MetricSample] {
        try PrometheusTextParser.parse(String(decoding: try await get(serviceURL + "/metrics").body, as: UTF8.self))
    }
}

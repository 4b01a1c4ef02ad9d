import ArgumentParser
import Balancer
import Foundation
import Gateway
import GridCore
import GridHTTP
import LoadTest
import Logging
import ServiceLifecycle
import Substation
import Synchronization

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run the whole grid on this machine: gateway, balancer, substations and Prometheus.")

    @Option(help: "Address every service listens on.")
    var host = "127.0.0.1"

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: LogLevel = .info

    @Option(help: "Number of substations (capacities 250, 400, 400, 630 kW, then repeating).")
    var substations = 4

    @Option(help: "Routing policy.")
    var policy: PolicyName = .leastLoad

    @Option(help: "Simulated seconds per real second.")
    var timeScale: Double = 60

    @Option(help: "Gateway on B, balancer on B+1, substations on B+101, B+102, ...")
    var portBase = 7000

    @Option(help: "auto: start Prometheus when the prometheus binary is on PATH; off: never.")
    var prometheus: PrometheusMode = .auto

    @Option(help: "Port of the Prometheus that up starts.")
    var prometheusPort = 9090

    @Flag(help: "Also drive a built-in rush hour of charge requests, so the grid visibly works.")
    var rushHour = false

    @Option(help: "Bearer token for the balancer's admin API (or env SMARTGRID_ADMIN_TOKEN).")
    var adminToken: String?

    @Option(help: "Seed for base-load noise and the rush-hour traffic.")
    var seed: UInt64 = 1

    @Option(help: "How every substation shares its power among sessions: water-filling, edf, llf or receding-horizon.")
    var allocation: PowerAllocation = .best

    @OptionGroup var data: DataOptions
    @OptionGroup var database: DatabaseOptions

    enum PrometheusMode: String, ExpressibleByArgument, CaseIterable {
        case auto, off
    }

    /// Cars per second at the peak of `--rush-hour` for four substations at time scale 60. A
    /// session lasts about 120 s of real time there (2 simulated hours), so the grid holds
    /// about 55 sessions at this rate: its 50 points fill for a short peak, and between peaks
    /// (`rushHourFloor` of the peak rate) it settles around 60% full (measured: README).
    static let rushHourPeakRate = 0.46
    static let rushHourFloor = 0.55
    /// Seconds of one rush-hour cycle: long against a session, so the grid follows the demand.
    static let rushHourPeriod = 600.0
    /// Under `--rush-hour` a substation has one point per 32 kW: with the standard vehicle mix
    /// (21.5 kW requested on average) and 30% base load, all points are taken at about 95% load,
    /// so the points, not an oversubscribed transformer, are what runs out at the peak.
    static let rushHourKWPerPoint = 32.0

    /// Capacities of a typical mix of distribution substations, in kW.
    static let capacityPattern: [Double] = [250, 400, 400, 630]

    func validate() throws {
        guard (1...50).contains(substations) else { throw ValidationError("--substations must be between 1 and 50") }
        guard portBase >= 1, portBase + 101 + substations <= 65_535 else {
            throw ValidationError("--port-base must leave room for B+101 ... B+\(100 + substations) below 65536")
        }
        guard timeScale > 0, timeScale.isFinite else { throw ValidationError("--time-scale must be above 0") }
    }

    func run() async throws {
        let logger = { (label: String) -> Logger in
            var logger = Logger(label: label)
            logger.logLevel = logLevel.level
            return logger
        }
        let storage = try await GatewayStorage.open(
            folder: data.folder, database: try database.url(), logger: logger("smartgrid.database"), now: Date().timeIntervalSince1970)
        let board = ReadyBoard(expected: substations + 2)
        let client = HTTPClientService(client: HTTPClientService.makeClient())
        var services: [any Service] = storage.services + [client]
        var substationURLs: [String] = []
        var substationRuns: [SubstationRun] = []
        var totalPoints = 0
        for number in 1...substations {
            let capacity = Self.capacityPattern[(number - 1) % Self.capacityPattern.count]
            let port = portBase + 100 + number
            let configuration = SubstationConfiguration(
                server: ServerSettings(host: host, port: port, logLevel: logLevel.level),
                spec: SubstationSpec(
                    id: "S\(number)", capacityKW: capacity,
                    chargingPoints: max(4, Int(capacity / (rushHour ? Self.rushHourKWPerPoint : 20))),
                    pointMaxKW: 50),
                baseLoadFraction: 0.3, timeScale: timeScale, seed: seed &+ UInt64(number), allocation: allocation)
            substationURLs.append("http://\(host):\(port)")
            totalPoints += configuration.spec.chargingPoints
            let substation = try await SubstationRun.make(
                configuration, folder: data.folder, onListening: board.report("substation S\(number) (\(Int(capacity)) kW)"))
            services += substation.services
            substationRuns.append(substation)
        }
        let balancerURL = "http://\(host):\(portBase + 1)"
        let balancer = BalancerConfiguration(
            server: ServerSettings(host: host, port: portBase + 1, logLevel: logLevel.level),
            substationURLs: substationURLs, policy: policy,
            adminToken: adminToken ?? ProcessInfo.processInfo.environment["SMARTGRID_ADMIN_TOKEN"])
        services.append(
            buildBalancerApplication(
                balancer, client: HTTPSubstationClient(upstream: Upstream(client)), onListening: board.report("balancer")))
        let gatewayURL = "http://\(host):\(portBase)"
        let gateway = GatewayConfiguration(
            server: ServerSettings(host: host, port: portBase, logLevel: logLevel.level), balancerURLs: [balancerURL])
        services.append(
            buildGatewayApplication(
                gateway, balancer: HTTPBalancerClient(upstream: Upstream(client), configuration: gateway),
                directory: storage.directory, idempotencyArchive: storage.archive, restoredAnswers: storage.restoredAnswers,
                restoredOrders: storage.restoredOrders, waitingListStore: storage.waitingListStore, restoredWaitingLine: storage.restoredWaitingLine,
                onListening: board.report("gateway")))

        if prometheus == .auto {
            if let binary = PrometheusProcess.findBinary() {
                let hostPort = { (port: Int) in "\(host):\(port)" }
                services.append(
                    PrometheusProcess(
                        binary: binary, listenAddress: hostPort(prometheusPort),
                        scrapeTargets: [
                            ("smartgrid-gateway", [hostPort(portBase)]),
                            ("smartgrid-balancer", [hostPort(portBase + 1)]),
                            ("smartgrid-substation", (1...substations).map { hostPort(portBase + 100 + $0) }),
                        ],
                        logger: logger("smartgrid.prometheus")))
                board.note("prometheus   http://\(host):\(prometheusPort)")
            } else {
                printLine("prometheus not found on PATH: running without it (install it, e.g. apt-get install prometheus)")
            }
        }
        if rushHour {
            // Sessions last 1/timeScale as long in real time when simulated time runs faster: scale the rate with it.
            let peak = Self.rushHourPeakRate * Double(substations) / 4 * timeScale / 60
            services.append(
                RushHourTraffic(
                    gatewayURL: gatewayURL, client: client.client, peakRate: peak, period: Self.rushHourPeriod,
                    floor: Self.rushHourFloor, warmUpCars: Int(Double(totalPoints) * 0.6), seed: seed, logger: logger("smartgrid.rush-hour")
                ))
            board.note(
                "rush hour    driving charge requests through the gateway (peak \((peak * 100).rounded() / 100) cars/s, cycle \(Int(Self.rushHourPeriod)) s)"
            )
        }
        try await runServices(services, logger: logger("smartgrid")) {
            await storage.close()
            for substation in substationRuns { await substation.close() }
        }
    }
}

/// Prints every URL once all services listen.
final class ReadyBoard: Sendable {
    private let expected: Int
    private let state = Mutex<(lines: [String], notes: [String])>(([], []))

    init(expected: Int) {
        self.expected = expected
    }

    /// A line shown under the URLs (Prometheus, rush hour), given before the services start.
    func note(_ line: String) {
        state.withLock { $0.notes.append(line) }
    }

    func report(_ name: String) -> @Sendable (String, Int) async -> Void {
        { host, port in self.add("\(name.padding(toLength: 28, withPad: " ", startingAt: 0)) http://\(host):\(port)") }
    }

    private func add(_ line: String) {
        let ready: (lines: [String], notes: [String])? = state.withLock { state in
            state.lines.append(line)
            return state.lines.count == expected ? state : nil
        }
        guard let ready else { return }
        var text = ["smartgrid is up (Ctrl-C stops everything):"]
        text += (ready.lines.sorted() + ready.notes).map { "  " + $0 }
        let gateway = ready.lines.first { $0.hasPrefix("gateway") }.map { String($0.split(separator: " ").last!) } ?? ""
        text.append(
            "  try: curl -s -XPOST -H 'Content-Type: application/json' -d '{\"vehicleId\":\"EV-1\",\"energyKWh\":30,\"maxPowerKW\":11}' \(gateway)/api/v1/charge-requests"
        )
        printLine(text.joined(separator: "\n"))
    }
}

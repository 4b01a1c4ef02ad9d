import ArgumentParser
import Foundation
import Gateway
import GridHTTP

struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway", abstract: "Run the public charge request service.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: "A balancer's base URL; repeat for several (requests are spread over them in turn).")
    var balancer: [String] = ["http://127.0.0.1:7001"]

    @Option(help: "Requests per second each client address may make, in bursts of as many (default: no limit).")
    var rateLimit: Double?

    @Option(help: "Most cars the waiting list holds (requests with maxWaitMinutes); beyond it, 503.")
    var maxQueue: Int = 1000

    func validate() throws {
        for url in balancer { _ = try serviceURL(url, flag: "--balancer") }
        if let rateLimit, !(rateLimit > 0 && rateLimit.isFinite) {
            throw ValidationError("--rate-limit must be a number of requests per second above 0")
        }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must be 0 or more cars") }
    }

    func run() async throws {
        var configuration = GatewayConfiguration(
            server: server.settings(defaultPort: 7000), balancerURLs: try balancer.map { try serviceURL($0, flag: "--balancer") },
            rateLimitPerSecond: rateLimit)
        configuration.maxQueue = maxQueue
        let storage = try await GatewayStorage.open(
            folder: data.folder, database: try database.url(), logger: configuration.server.logger("smartgrid.database"),
            now: Date().timeIntervalSince1970)
        let client = HTTPClientService(client: HTTPClientService.makeClient())
        let app = buildGatewayApplication(
            configuration, balancer: HTTPBalancerClient(upstream: Upstream(client), configuration: configuration),
            directory: storage.directory, idempotencyArchive: storage.archive, restoredAnswers: storage.restoredAnswers,
            restoredOrders: storage.restoredOrders, waitingListStore: storage.waitingListStore, restoredWaitingLine: storage.restoredWaitingLine,
            onListening: announce("gateway"))
        try await runServices(storage.services + [client, app], logger: configuration.server.logger("smartgrid")) { await storage.close() }
    }
}

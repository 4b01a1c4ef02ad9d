import ArgumentParser
import Balancer
import Foundation
import GridCore
import GridHTTP

struct BalancerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "balancer", abstract: "Run the load balancer.")

    @OptionGroup var server: ServerOptions

    @Option(name: .customLong("substation"), help: "A substation's base URL (repeat for each).")
    var substations: [String] = []

    @Option(help: "Routing policy.")
    var policy: PolicyName = .leastLoad

    @Option(help: "Seconds between scrapes of every substation's /metrics.")
    var pollInterval: Double = 0.5

    @Option(help: "Bearer token for the admin API (or env SMARTGRID_ADMIN_TOKEN); without one the admin API is off.")
    var adminToken: String?

    func validate() throws {
        guard !substations.isEmpty else { throw ValidationError("give at least one --substation URL") }
        for url in substations { _ = try serviceURL(url, flag: "--substation") }
        guard pollInterval >= 0.05, pollInterval <= 3600 else {
            throw ValidationError("--poll-interval must be between 0.05 and 3600 seconds")
        }
    }

    func run() async throws {
        let configuration = BalancerConfiguration(
            server: server.settings(defaultPort: 7001),
            substationURLs: try substations.map { try serviceURL($0, flag: "--substation") },
            policy: policy, pollInterval: pollInterval,
            adminToken: adminToken ?? ProcessInfo.processInfo.environment["SMARTGRID_ADMIN_TOKEN"])
        let client = HTTPClientService(client: HTTPClientService.makeClient())
        let app = buildBalancerApplication(
            configuration, client: HTTPSubstationClient(upstream: Upstream(client: client.client)), onListening: announce("balancer"))
        try await runServices([client, app], logger: configuration.server.logger("smartgrid"))
    }
}

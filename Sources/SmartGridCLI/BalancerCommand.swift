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

    @Option(help: "Where loads come from: scrape (each substation's /metrics) or prometheus=URL (Prometheus's query API).")
    var loadSource: LoadSourceArgument = .scrape

    @Option(help: "Bearer token for the admin API (or env SMARTGRID_ADMIN_TOKEN); without one the admin API is off.")
    var adminToken: String?

    func validate() throws {
        if case .invalid(let reason) = loadSource { throw ValidationError(reason) }
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

/// `--load-source scrape` or `--load-source prometheus=http://host:9090`.
enum LoadSourceArgument: ExpressibleByArgument {
    case scrape
    case prometheus(String)
    case invalid(String)

    init?(argument: String) {
        if argument == "scrape" {
            self = .scrape
        } else if argument.hasPrefix("prometheus=") {
            let url = String(argument.dropFirst("prometheus=".count))
            do {
                self = .prometheus(try serviceURL(url, flag: "--load-source prometheus="))
            } catch {
                self = .invalid("--load-source prometheus= needs an http:// URL such as http://127.0.0.1:9090, got '\(url)'")
            }
        } else {
            return nil
        }
    }

    static var defaultValueDescription: String { "scrape" }
}

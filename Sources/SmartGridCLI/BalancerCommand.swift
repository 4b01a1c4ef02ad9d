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

    @Option(help: "dns://NAME:PORT: every address behind NAME is a substation on PORT (repeatable; beside or instead of --substation).")
    var discover: [String] = []

    @Option(help: "Seconds between two lookups of the --discover names.")
    var discoverInterval: Double = 5

    @Option(help: "Routing policy.")
    var policy: PolicyName = .leastLoad

    @Option(help: "Seconds between scrapes of every substation's /metrics.")
    var pollInterval: Double = 0.5

    @Option(help: "Where loads come from: scrape (each substation's /metrics) or prometheus=URL (Prometheus's query API).")
    var loadSource: LoadSourceArgument = .scrape

    @Option(help: "Substations tried per request at most, the first included; retries are also held to a budget of 20% of recent requests.")
    var maxAttempts: Int = RoutingAttempt.defaultMaxAttempts

    @Option(help: "Bearer token for the admin API (or env SMARTGRID_ADMIN_TOKEN); without one the admin API is off.")
    var adminToken: String?

    func validate() throws {
        guard maxAttempts >= 1, maxAttempts <= 100 else {
            throw ValidationError("--max-attempts must be a whole number from 1 to 100, got \(maxAttempts)")
        }
        if case .invalid(let reason) = loadSource { throw ValidationError(reason) }
        guard !substations.isEmpty || !discover.isEmpty else {
            throw ValidationError("give at least one --substation URL or --discover dns://NAME:PORT")
        }
        for target in discover where DiscoveryTarget(target) == nil {
            throw ValidationError("--discover takes dns://NAME:PORT, got '\(target)'")
        }
        guard discoverInterval >= 0.1, discoverInterval <= 3600 else {
            throw ValidationError("--discover-interval must be between 0.1 and 3600 seconds")
        }
        for url in substations { _ = try serviceURL(url, flag: "--substation") }
        guard pollInterval >= 0.05, pollInterval <= 3600 else {
            throw ValidationError("--poll-interval must be between 0.05 and 3600 seconds")
        }
    }

    func run() async throws {
        var configuration = BalancerConfiguration(
            server: server.settings(defaultPort: 7001),
            substationURLs: try substations.map { try serviceURL($0, flag: "--substation") },
            policy: policy, pollInterval: pollInterval,
            adminToken: adminToken ?? ProcessInfo.processInfo.environment["SMARTGRID_ADMIN_TOKEN"])
        configuration.discover = discover.compactMap { DiscoveryTarget($0) }
        configuration.discoveryInterval = discoverInterval
        configuration.maxAttempts = maxAttempts
        let client = HTTPClientService(client: HTTPClientService.makeClient())
        let upstream = Upstream(client)
        let reader: (any LoadReader)? =
            switch loadSource {
            case .scrape, .invalid: nil
            case .prometheus(let url): PrometheusLoadReader(upstream: upstream, prometheusURL: url, timeout: configuration.scrapeTimeout)
            }
        let app = buildBalancerApplication(
            configuration, client: HTTPSubstationClient(upstream: upstream), loadReader: reader, onListening: announce("balancer"))
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

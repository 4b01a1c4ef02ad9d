import ArgumentParser
import Gateway
import GridHTTP

struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway", abstract: "Run the public charge request service.")

    @OptionGroup var server: ServerOptions

    @Option(help: "The balancer's base URL.")
    var balancer = "http://127.0.0.1:7001"

    func validate() throws {
        _ = try serviceURL(balancer, flag: "--balancer")
    }

    func run() async throws {
        let configuration = GatewayConfiguration(
            server: server.settings(defaultPort: 7000), balancerURL: try serviceURL(balancer, flag: "--balancer"))
        let client = HTTPClientService(client: HTTPClientService.makeClient())
        let app = buildGatewayApplication(
            configuration, balancer: HTTPBalancerClient(upstream: Upstream(client: client.client), configuration: configuration),
            onListening: announce("gateway"))
        try await runServices([client, app], logger: configuration.server.logger("smartgrid"))
    }
}

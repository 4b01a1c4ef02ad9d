import GridHTTP
import Hummingbird
import Logging
import Prometheus

/// Builds the gateway: the public charge request API, `/api/v1/grid`, `/health`, `/metrics`;
/// `balancer` reaches the balancer and substations (`HTTPBalancerClient` in production).
public func buildGatewayApplication(
    _ configuration: GatewayConfiguration,
    balancer: any BalancerClient,
    directory: any SessionDirectory = InMemorySessionDirectory(),
    idempotencyArchive: (any IdempotencyArchive)? = nil,
    restoredAnswers: [ArchivedAnswer] = [],
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    onListening: @escaping ListeningHandler = { _, _ in }
) -> some ApplicationProtocol {
    let logger = configuration.server.logger("smartgrid.gateway")
    let router = Router(context: GatewayRequestContext.self)
    router.middlewares.add(GatewayMetricsMiddleware(registry: registry))
    router.middlewares.add(ProblemMiddleware())
    if let rateLimit = configuration.rateLimitPerSecond {
        router.middlewares.add(RateLimitMiddleware(ratePerSecond: rateLimit))
    }
    let history = GridHistoryRecorder(balancer: balancer)
    GatewayRoutes(
        balancer: balancer, directory: directory,
        idempotency: IdempotencyStore(archive: idempotencyArchive, restored: restoredAnswers), history: history
    ).add(to: router)
    MetricsEndpoint.add(to: router, registry: registry)
    return Application(
        router: router, configuration: configuration.server.applicationConfiguration,
        services: [history],
        onServerRunning: { channel in
            await onListening(configuration.server.host, channel.localAddress?.port ?? configuration.server.port)
        },
        logger: logger)
}

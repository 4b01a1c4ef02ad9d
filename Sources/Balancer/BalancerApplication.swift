import GridCore
import GridHTTP
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Builds the balancer service with its poller; `client` reaches the substations
/// (`HTTPSubstationClient` in production, a stand-in in tests) and, unless another
/// `loadReader` is given, is also how their loads are read.
public func buildBalancerApplication(
    _ configuration: BalancerConfiguration,
    client: any SubstationClient,
    loadReader: (any LoadReader)? = nil,
    resolver: any AddressResolver = SystemResolver(),
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    onListening: @escaping ListeningHandler = { _, _ in }
) -> some ApplicationProtocol {
    let logger = configuration.server.logger("smartgrid.balancer")
    let state = BalancerState(
        urls: configuration.substationURLs, policy: configuration.policy,
        seed: configuration.seed ?? UInt64.random(in: 0...UInt64.max),
        retryBudget: RetryBudget(ratio: configuration.retryBudgetRatio, minimumRetries: configuration.retryBudgetMinimum))
    let metrics = BalancerMetrics(registry: registry)
    let undo = UndoQueue { pending in await client.cancel(sessionId: pending.sessionId, at: pending.place, timeout: .milliseconds(500)) }
    let dispatcher = Dispatcher(state: state, client: client, metrics: metrics, configuration: configuration, logger: logger, undo: undo)
    let undoService = UndoService(queue: undo, logger: logger)
    let reader = loadReader ?? DirectScrapeReader(client: client, timeout: configuration.scrapeTimeout)
    let poller = SubstationPoller(state: state, reader: reader, metrics: metrics, configuration: configuration, logger: logger)
    let router = Router()
    router.middlewares.add(ProblemMiddleware())
    let desk = SessionDesk(state: state, client: client, timeout: configuration.dispatchTimeout)
    let routes = BalancerRoutes(
        state: state, dispatcher: dispatcher, adminToken: configuration.adminToken, loadSource: reader.sourceName, desk: desk)
    routes.add(to: router)
    let fastLane = routes.fastLane
    MetricsEndpoint.add(to: router, registry: registry) { metrics.update(from: state.view, policy: state.policy) }
    return Application(
        router: router, server: .http1(configuration: .init(additionalChannelHandlers: [FastLane.inFront(of: fastLane)])),
        configuration: configuration.server.applicationConfiguration,
        services: configuration.discover.isEmpty
            ? [poller, undoService]
            : [
                DiscoveryService(
                    targets: configuration.discover, resolver: resolver, state: state, interval: configuration.discoveryInterval,
                    logger: logger),
                poller, undoService,
            ],
        onServerRunning: { channel in
            await onListening(configuration.server.host, channel.localAddress?.port ?? configuration.server.port)
        },
        logger: logger)
}

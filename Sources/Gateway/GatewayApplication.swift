import Foundation
import GridCore
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
    restoredOrders: [BoundOrder] = [],
    waitingListStore: (any WaitingListStore)? = nil,
    restoredWaitingLine: (waiting: [WaitingLine.Entry], ended: [(WaitingLine.Ending, WaitingLine.Entry)]) = ([], []),
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    onListening: @escaping ListeningHandler = { _, _ in }
) -> some ApplicationProtocol {
    let logger = configuration.server.logger("smartgrid.gateway")
    let router = Router(context: GatewayRequestContext.self)
    let requestMetrics = GatewayRequestMetrics(registry: registry)
    router.middlewares.add(GatewayMetricsMiddleware(metrics: requestMetrics))
    router.middlewares.add(ProblemMiddleware())
    let rateLimit = configuration.rateLimitPerSecond.map { RequestRateLimit(ratePerSecond: $0) }
    if let rateLimit {
        router.middlewares.add(RateLimitMiddleware(limit: rateLimit))
    }
    let undo = UndoQueue { pending in
        guard let answer = try? await balancer.order(.DELETE, pending.sessionId) else { return false }
        return answer.status == 200 || answer.status == 404
    }
    let idempotency = IdempotencyStore(
        archive: idempotencyArchive, restored: restoredAnswers, restoredOrders: restoredOrders,
        fateWindowSeconds: configuration.balancerTimeout.inSeconds)
    let now: @Sendable () -> Double = { Date().timeIntervalSince1970 }
    let waitingList = WaitingList(
        capacity: configuration.maxQueue, store: waitingListStore, directory: directory,
        metrics: WaitingListMetrics(registry: registry), restored: restoredWaitingLine)
    let worker = WaitingListWorker(
        waitingList: waitingList, balancer: balancer, undo: undo, logger: logger, interval: configuration.waitingListInterval, now: now,
        fateWindowSeconds: configuration.balancerTimeout.inSeconds)
    let history = GridHistoryRecorder(balancer: balancer)
    let routes = GatewayRoutes(
        balancer: balancer, directory: directory, idempotency: idempotency, undo: undo, waitingList: waitingList, now: now,
        history: history)
    routes.add(to: router)
    let lane = ChargeRequestLane(routes: routes, metrics: requestMetrics, rateLimit: rateLimit, logger: logger).route
    MetricsEndpoint.add(to: router, registry: registry)
    return Application(
        router: router, server: .http1(configuration: .init(additionalChannelHandlers: [FastLane.inFront(of: lane)])),
        configuration: configuration.server.applicationConfiguration,
        services: [UndoService(queue: undo, logger: logger), worker, history],
        onServerRunning: { channel in
            await onListening(configuration.server.host, channel.localAddress?.port ?? configuration.server.port)
        },
        logger: logger)
}

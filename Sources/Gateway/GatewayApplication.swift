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
    router.middlewares.add(GatewayMetricsMiddleware(registry: registry))
    router.middlewares.add(ProblemMiddleware())
    if let rateLimit = configuration.rateLimitPerSecond {
        router.middlewares.add(RateLimitMiddleware(ratePerSecond: rateLimit))
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
    GatewayRoutes(
        balancer: balancer, directory: directory, idempotency: idempotency, undo: undo, waitingList: waitingList, now: now,
        history: history
    ).add(to: router)
    MetricsEndpoint.add(to: router, registry: registry)
    return Application(
        router: router, configuration: configuration.server.applicationConfiguration,
        services: [UndoService(queue: undo, logger: logger), worker, history],
        onServerRunning: { channel in
            await onListening(configuration.server.host, channel.localAddress?.port ?? configuration.server.port)
        },
        logger: logger)
}

import GridCore
import GridHTTP
import Hummingbird
import Logging
import Prometheus

/// Builds the substation service: `POST/GET/DELETE /sessions`, `/health`, `/metrics`.
public func buildSubstationApplication(
    _ configuration: SubstationConfiguration,
    clock: (any SimulationClock)? = nil,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    onListening: @escaping ListeningHandler = { _, _ in }
) -> some ApplicationProtocol {
    let logger = configuration.server.logger("smartgrid.substation.\(configuration.spec.id)")
    let state = SubstationState(configuration: configuration, clock: clock ?? ScaledClock(timeScale: configuration.timeScale))
    let metrics = SubstationMetrics(registry: registry, substationId: configuration.spec.id)
    let router = Router()
    router.middlewares.add(ProblemMiddleware())
    SubstationRoutes(state: state, substationId: configuration.spec.id).add(to: router)
    MetricsEndpoint.add(to: router, registry: registry) { metrics.update(from: state.snapshot()) }
    return Application(
        router: router, configuration: configuration.server.applicationConfiguration,
        onServerRunning: { channel in
            await onListening(configuration.server.host, channel.localAddress?.port ?? configuration.server.port)
        },
        logger: logger)
}

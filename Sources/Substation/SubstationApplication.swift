import GridCore
import GridHTTP
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Builds the substation service: `POST/GET/DELETE /sessions`, `/health`, `/metrics`; sessions
/// kept in memory only.
public func buildSubstationApplication(
    _ configuration: SubstationConfiguration,
    clock: (any SimulationClock)? = nil,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    onListening: @escaping ListeningHandler = { _, _ in }
) -> some ApplicationProtocol {
    let clock = clock ?? ScaledClock(timeScale: configuration.timeScale, resumingAt: nil)
    let state = SubstationState(configuration: configuration, clock: clock)
    return makeSubstation(configuration, state: state, journal: nil, services: [], registry: registry, onListening: onListening)
}

/// The substation with a journal: it resumes from `restored` (the sessions, counters and
/// simulated time the journal kept), writes admissions and cancellations before answering,
/// and checkpoints progress every second and once more after the server has drained.
public func buildSubstationServices(
    _ configuration: SubstationConfiguration,
    journal: SubstationJournal,
    restored: SubstationJournal.Restored,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    onListening: @escaping ListeningHandler = { _, _ in }
) -> [any Service] {
    let logger = configuration.server.logger("smartgrid.substation.\(configuration.spec.id)")
    let clock = ScaledClock(timeScale: configuration.timeScale, resumingAt: restored.totals?.simulatedSeconds)
    let state = SubstationState(configuration: configuration, clock: clock, restored: restored)
    // A service of the application stops after its server, so the last checkpoint sees every answered request.
    let checkpointer = SubstationCheckpointer(state: state, journal: journal, interval: .seconds(1), logger: logger)
    return [
        makeSubstation(
            configuration, state: state, journal: journal, services: [checkpointer], registry: registry, onListening: onListening)
    ]
}

func makeSubstation(
    _ configuration: SubstationConfiguration, state: SubstationState, journal: SubstationJournal?, services: [any Service],
    registry: PrometheusCollectorRegistry, onListening: @escaping ListeningHandler
) -> some ApplicationProtocol {
    let logger = configuration.server.logger("smartgrid.substation.\(configuration.spec.id)")
    let metrics = SubstationMetrics(registry: registry, substationId: configuration.spec.id)
    let router = Router()
    router.middlewares.add(ProblemMiddleware())
    SubstationRoutes(state: state, substationId: configuration.spec.id, journal: journal).add(to: router)
    let endingMetrics = SessionEndingMetrics(registry: registry, substationId: configuration.spec.id)
    MetricsEndpoint.add(to: router, registry: registry) {
        metrics.update(from: state.snapshot())
        endingMetrics.update(from: state.endings(timeScale: configuration.timeScale))
    }
    return Application(
        router: router, configuration: configuration.server.applicationConfiguration, services: services,
        onServerRunning: { channel in
            await onListening(configuration.server.host, channel.localAddress?.port ?? configuration.server.port)
        },
        logger: logger)
}

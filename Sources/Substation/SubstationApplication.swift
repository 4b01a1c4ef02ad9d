import GridCore
import GridHTTP
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
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
    return makeSubstation(
        configuration, state: state, clock: clock, journal: nil, services: [], registry: registry, onListening: onListening)
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
            configuration, state: state, clock: clock, journal: journal, services: [checkpointer], registry: registry,
            onListening: onListening)
    ]
}

func makeSubstation(
    _ configuration: SubstationConfiguration, state: SubstationState, clock: any SimulationClock, journal: SubstationJournal?,
    services: [any Service], registry: PrometheusCollectorRegistry, onListening: @escaping ListeningHandler
) -> some ApplicationProtocol {
    let logger = configuration.server.logger("smartgrid.substation.\(configuration.spec.id)")
    let metrics = SubstationMetrics(registry: registry, substationId: configuration.spec.id)
    // With real charge points, their links share the HTTP port (WebSocket upgrades at /ocpp/{id}).
    let hub = configuration.ocpp.map { ocpp in
        ChargePointHub(
            state: state, configuration: ocpp, substation: configuration, clock: clock,
            metrics: ChargerMetrics(registry: registry, substationId: configuration.spec.id), logger: logger)
    }
    let router = Router()
    router.middlewares.add(ProblemMiddleware())
    SubstationRoutes(state: state, substationId: configuration.spec.id, journal: journal, hub: hub).add(to: router)
    let endingMetrics = SessionEndingMetrics(registry: registry, substationId: configuration.spec.id)
    MetricsEndpoint.add(to: router, registry: registry) {
        metrics.update(from: hub?.snapshot() ?? state.snapshot())
        endingMetrics.update(from: state.endings(timeScale: configuration.timeScale))
    }
    let server: HTTPServerBuilder =
        if let hub {
            // OCPP frames are small, but a MeterValues with many samples can pass NIO's 16 KiB default.
            .http1WebSocketUpgrade(configuration: .init(ws: .init(maxFrameSize: 1 << 16))) { request, channel, logger in
                hub.shouldUpgrade(request, channel: channel, logger: logger)
            }
        } else {
            .http1()
        }
    return Application(
        router: router, server: server, configuration: configuration.server.applicationConfiguration,
        services: services + (hub.map { [$0] } ?? []),
        onServerRunning: { channel in
            await onListening(configuration.server.host, channel.localAddress?.port ?? configuration.server.port)
        },
        logger: logger)
}

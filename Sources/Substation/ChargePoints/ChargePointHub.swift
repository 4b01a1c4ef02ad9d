import AsyncAlgorithms
import GridCore
import GridHTTP
import HummingbirdWebSocket
import Logging
import OCPPCore
import ServiceLifecycle
import Synchronization

/// The substation's central system for real charge points: their WebSocket links, the pure
/// `ChargePointRegistry` behind a lock, and a once-a-second tick that sends due limits.
///
/// Locks are always taken in one order: the substation model, then the registry, then the links.
public final class ChargePointHub: Service, Sendable {
    let state: SubstationState
    let configuration: OCPPConfiguration
    let registry: Mutex<ChargePointRegistry>
    private let links = Mutex<[String: Link]>([:])
    private let answers = ReservationAnswers()
    let metrics: ChargerMetrics
    let logger: Logger
    private let clock: any SimulationClock

    private struct Link {
        var generation: Int
        var outbox: AsyncStream<String>.Continuation
    }

    init(
        state: SubstationState, configuration: OCPPConfiguration, substation: SubstationConfiguration, clock: any SimulationClock,
        metrics: ChargerMetrics, logger: Logger
    ) {
        self.state = state
        self.configuration = configuration
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        let curve = BaseLoadCurve(
            capacityKW: substation.spec.capacityKW, meanFraction: substation.baseLoadFraction, seed: substation.seed)
        // The curve repeats daily and its noise is set on whole minutes: its highest minute is its peak.
        let peak = (0...1440).map { curve.loadKW(atSimulatedSeconds: Double($0) * 60) }.max() ?? 0
        self.registry = Mutex(ChargePointRegistry(substationId: substation.spec.id, settings: configuration.settings, peakBaseLoadKW: peak))
    }

    var now: Double { clock.epochSeconds() }

    public func run() async throws {
        for await _ in AsyncTimerSequence(interval: .seconds(1), clock: .continuous).cancelOnGracefulShutdown() {
            let now = now
            apply { registry, model in registry.tick(now: now, epochSeconds: now, model: &model) }
        }
        links.withLock { links in
            for link in links.values { link.outbox.finish() }
        }
    }

    /// Changes the registry with the model at hand; frames go out in order, under the lock,
    /// so a charger always hears an answer before the calls that follow it.
    @discardableResult
    private func update<T>(_ body: (inout ChargePointRegistry, inout SubstationModel) -> (T, [OCPPEffect])) -> T
    where T: Sendable {
        let (value, effects) = state.withModel { model in
            registry.withLock { registry in
                let (value, effects) = body(&registry, &model)
                links.withLock { links in
                    for case .send(let id, let text) in effects { links[id]?.outbox.yield(text) }
                }
                return (value, effects)
            }
        }
        for effect in effects {
            switch effect {
            case .send(let id, let text): logger.debug("to charge point \(id): \(text)")
            case .reservationAnswered(let reservationId, let accepted): answers.resolve(reservationId, accepted: accepted)
            case .notice(let message): logger.info("\(message)")
            case .warning(let message): logger.warning("\(message)")
            case .overdraw(let id): metrics.overdraw(id)
            }
        }
        return value
    }

    private func apply(_ body: (inout ChargePointRegistry, inout SubstationModel) -> [OCPPEffect]) {
        update { registry, model in ((), body(&registry, &model)) }
    }

    /// Serves one charge point's link until it closes (or a newer link with its id replaces it).
    func serve(
        _ id: String, version: OCPPVersion, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async {
        let (outbox, continuation) = AsyncStream<String>.makeStream()
        let now = now
        let (generation, replaced) = state.withModel { _ in
            registry.withLock { registry in
                let generation = registry.connect(id, version: version, now: now)
                let replaced = links.withLock { links in
                    let old = links[id]
                    links[id] = Link(generation: generation, outbox: continuation)
                    return old
                }
                return (generation, replaced)
            }
        }
        replaced?.outbox.finish()
        logger.info("charge point \(id) connected (\(version.rawValue))")
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await text in outbox {
                    do { try await outbound.write(.text(text)) } catch { break }
                    self.logger.trace("written to charge point \(id): \(text.prefix(40))")
                }
                // Finished: this link closed, or a newer one replaced it.
                try? await outbound.close(.normalClosure, reason: nil)
            }
            do {
                for try await message in inbound.messages(maxSize: 64 * 1024) {
                    let text: String
                    switch message {
                    case .text(let string): text = string
                    case .binary: text = ""  // OCPP-J is text only: answered as a frame that is not JSON.
                    }
                    logger.debug("from charge point \(id): \(text)")
                    let now = self.now
                    apply { registry, model in registry.receive(text, from: id, now: now, epochSeconds: now, model: &model) }
                }
            } catch {
                logger.debug("charge point \(id) link ended: \(error)")
            }
            continuation.finish()
        }
        let closedAt = self.now
        state.withModel { _ in
            registry.withLock { registry in
                registry.disconnect(id, generation: generation, now: closedAt)
                links.withLock { links in
                    if links[id]?.generation == generation { links[id] = nil }
                }
            }
        }
        logger.info("charge point \(id) disconnected")
    }

    /// What a booking routed here gets: a connector reserved at a charger that accepted, and the
    /// session admitted; or why not.
    enum BookingOutcome {
        case booked(ChargingSession, ChargePointRegistry.Booking)
        case refused(AdmissionRefusal)
        case noFreeConnector
        case chargerDeclined(chargePointId: String)
    }

    func book(_ order: SessionOrder) async -> BookingOutcome {
        let now = now
        let offer = update { registry, _ in
            let offer = registry.offerReservation(sessionId: order.id, vehicleId: order.request.vehicleId, now: now, epochSeconds: now)
            return (offer, offer?.effects ?? [])
        }
        guard let offer else { return .noFreeConnector }
        let accepted = await answers.wait(for: offer.reservationId, timeout: .seconds(configuration.settings.reservationAnswerSeconds))
        guard accepted else {
            apply { registry, _ in registry.dropReservation(offer.reservationId) }
            return .chargerDeclined(chargePointId: offer.chargePointId)
        }
        let answeredAt = self.now
        return update { registry, model in
            let (result, effects) = registry.confirmReservation(
                offer.reservationId, request: order.request, now: answeredAt, epochSeconds: answeredAt, model: &model)
            switch result {
            case .success(let session):
                let booking = registry.booking(of: session.id) ?? .init(chargePointId: offer.chargePointId, connectorId: offer.connectorId)
                return (BookingOutcome.booked(session, booking), effects)
            case .failure(let refusal):
                return (BookingOutcome.refused(refusal), effects)
            }
        }
    }

    func booking(of sessionId: String) -> ChargePointRegistry.Booking? {
        registry.withLock { $0.booking(of: sessionId) }
    }

    /// The substation's figures with the load measured (fresh meter readings where there are
    /// some, full allocations elsewhere) and the connectors of connected chargers as its charging
    /// points, so the balancer sends cars where a connector can take them. Refreshes the per-charger series too.
    func snapshot() -> SubstationSnapshot {
        let now = now
        let (snapshot, chargePoints, metered, limits) = state.withModel { model in
            registry.withLock { registry in
                var snapshot = model.snapshot
                let counted = registry.countedPowerKW(model: model, now: now)
                snapshot.evPowerKW = counted
                snapshot.requestedPowerKW = counted
                // Connectors are the charging points: those of connected chargers can take a car.
                snapshot.spec.chargingPoints = registry.chargePoints.values.filter(\.connected).reduce(0) { $0 + $1.connectors.count }
                return (snapshot, Array(registry.chargePoints.values), registry.meteredKW(now: now), registry.limitsSentW())
            }
        }
        metrics.update(from: chargePoints, meteredKW: metered, limitsSentW: limits)
        return snapshot
    }
}

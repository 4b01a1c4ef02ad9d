import GridCore
import GridHTTP
import Synchronization

/// The live substation: the pure model behind a lock, brought up to the clock's time before
/// every read or change, so every answer reflects the simulation at that instant.
public final class SubstationState: Sendable {
    private let model: Mutex<Orders>
    private let clock: any SimulationClock

    /// The model and the tombstones of withdrawn orders, changed together under one lock so an
    /// order and its withdrawal are decided in one order.
    private struct Orders {
        var model: SubstationModel
        var withdrawn: WithdrawnOrders
        /// Admitted, but not yet written down: a repeat of the order must wait for that write.
        var recording: Set<String> = []

        mutating func advance(to time: Double) { model.advance(to: time) }
    }

    /// What became of an order.
    public enum Admission: Sendable {
        case admitted(ChargingSession)
        /// The same order came again (a retry): the session it started, unchanged.
        case alreadyAdmitted(ChargingSession)
        /// The same order came again while its admission is still being written down.
        case beingRecorded
        case refused(AdmissionRefusal)
    }

    /// What became of a DELETE.
    public enum Withdrawal: Sendable {
        /// The session now (cancelled, or as it had ended).
        case ended(ChargingSession)
        /// No such session: a tombstone now refuses any later order with this id.
        case withdrawnUnseen
    }

    /// - Parameter restored: what the journal kept, to resume from (the clock should resume at
    ///   its simulated time too).
    public init(configuration: SubstationConfiguration, clock: any SimulationClock, restored: SubstationJournal.Restored? = nil) {
        let curve = BaseLoadCurve(
            capacityKW: configuration.spec.capacityKW, meanFraction: configuration.baseLoadFraction,
            seed: configuration.seed)
        var model = SubstationModel(
            spec: configuration.spec, baseLoad: curve, now: clock.simulatedSeconds(), allocation: configuration.allocation)
        if let restored {
            model.restore(
                active: restored.active, ended: restored.ended, counts: restored.totals?.counts ?? SessionOutcomeCounts(),
                energyDeliveredKWh: restored.totals?.energyDeliveredKWh ?? 0,
                energyRequestedKWh: restored.totals?.energyRequestedKWh ?? 0, energyUnmetKWh: restored.totals?.energyUnmetKWh ?? 0)
        }
        let withdrawn = WithdrawnOrders(limit: SubstationModel.defaultEndedHistoryLimit, restoring: restored?.withdrawn ?? [])
        self.model = Mutex(Orders(model: model, withdrawn: withdrawn))
        self.clock = clock
    }

    /// What a journal writes: the active sessions now, those ended since the last checkpoint,
    /// and the totals. If the write fails, give the ended ones back (`checkpointFailed`).
    public func checkpoint() -> (active: [ChargingSession], ended: [ChargingSession], totals: SubstationJournal.Totals) {
        let now = clock.simulatedSeconds()
        return model.withLock { orders in
            orders.advance(to: now)
            return (
                orders.model.activeSessions, orders.model.takeEndedSessions(),
                SubstationJournal.Totals(
                    counts: orders.model.counts, energyDeliveredKWh: orders.model.energyDeliveredKWh, simulatedSeconds: now,
                    energyRequestedKWh: orders.model.energyRequestedKWh, energyUnmetKWh: orders.model.energyUnmetKWh)
            )
        }
    }

    /// A checkpoint's write failed: its endings are written with the next one instead of lost.
    public func checkpointFailed(ended: [ChargingSession]) {
        model.withLock { $0.model.returnEndedSessions(ended) }
    }

    public func totals() -> SubstationJournal.Totals {
        let now = clock.simulatedSeconds()
        return model.withLock { orders in
            SubstationJournal.Totals(
                counts: orders.model.counts, energyDeliveredKWh: orders.model.energyDeliveredKWh, simulatedSeconds: max(now, orders.model.now),
                energyRequestedKWh: orders.model.energyRequestedKWh, energyUnmetKWh: orders.model.energyUnmetKWh)
        }
    }

    /// Admits an order, recognises one already admitted (the same id and request), or refuses:
    /// a withdrawn id, the same id with another request, no room.
    public func admit(_ order: SessionOrder) -> Admission {
        let now = clock.simulatedSeconds()
        let epoch = clock.epochSeconds()
        return model.withLock { orders in
            orders.advance(to: now)
            if orders.withdrawn.contains(order.id) { return .refused(.withdrawnOrder(id: order.id)) }
            if let existing = orders.model.session(id: order.id) {
                let same = existing.status != .cancelled && existing.isAdmission(of: order.request, pointMaxKW: orders.model.spec.pointMaxKW)
                guard same else { return .refused(.duplicateSession(id: order.id)) }
                return orders.recording.contains(order.id) ? .beingRecorded : .alreadyAdmitted(existing)
            }
            switch orders.model.admit(id: order.id, request: order.request, createdAtEpochSeconds: epoch) {
            case .success(let session):
                orders.recording.insert(order.id)
                return .admitted(session)
            case .failure(let refusal): return .refused(refusal)
            }
        }
    }

    public func session(id: String) -> ChargingSession? {
        let now = clock.simulatedSeconds()
        return model.withLock { orders in
            orders.advance(to: now)
            return orders.model.session(id: id)
        }
    }

    /// The driver leaves, or an order whose answer was lost is undone: the session ends as
    /// cancelled; an id never seen gets a tombstone.
    public func withdraw(id: String) -> Withdrawal {
        let now = clock.simulatedSeconds()
        return model.withLock { orders in
            orders.advance(to: now)
            if let session = orders.model.cancel(id: id) { return .ended(session) }
            orders.withdrawn.insert(id)
            return .withdrawnUnseen
        }
    }

    /// Undoes an admission that could not be journaled.
    func cancel(id: String) {
        let now = clock.simulatedSeconds()
        model.withLock { orders in
            orders.advance(to: now)
            orders.recording.remove(id)
            _ = orders.model.cancel(id: id)
        }
    }

    /// The admission of `id` is written down (or there is nothing to write it to): repeats of the
    /// order may now be answered with its session.
    func recorded(id: String) {
        _ = model.withLock { $0.recording.remove(id) }
    }

    /// When the sessions charging now are expected to end, in real time on a clock running
    /// `timeScale` times faster.
    public func endings(timeScale: Double) -> SessionEndings {
        let now = clock.simulatedSeconds()
        return model.withLock { orders in
            orders.advance(to: now)
            return SessionEndings(active: orders.model.activeSessions, now: now, timeScale: timeScale)
        }
    }

    /// Runs `body` on the model brought up to the clock's time, under the lock (for charge
    /// points, whose transactions are sessions of this model).
    func withModel<T>(_ body: (inout SubstationModel) -> T) -> T {
        let now = clock.simulatedSeconds()
        return model.withLock { orders in
            orders.advance(to: now)
            return body(&orders.model)
        }
    }

    public func snapshot() -> SubstationSnapshot {
        let now = clock.simulatedSeconds()
        return model.withLock { orders in
            orders.advance(to: now)
            return orders.model.snapshot
        }
    }
}

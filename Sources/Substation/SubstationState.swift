import GridCore
import GridHTTP
import Synchronization

/// The live substation: the pure model behind a lock, brought up to the clock's time before
/// every read or change, so every answer reflects the simulation at that instant.
public final class SubstationState: Sendable {
    private let model: Mutex<SubstationModel>
    private let clock: any SimulationClock

    /// - Parameter restored: what the journal kept, to resume from (the clock should resume at
    ///   its simulated time too).
    public init(configuration: SubstationConfiguration, clock: any SimulationClock, restored: SubstationJournal.Restored? = nil) {
        let curve = BaseLoadCurve(
            capacityKW: configuration.spec.capacityKW, meanFraction: configuration.baseLoadFraction,
            seed: configuration.seed)
        var model = SubstationModel(spec: configuration.spec, baseLoad: curve, now: clock.simulatedSeconds())
        if let restored {
            model.restore(
                active: restored.active, ended: restored.ended, counts: restored.totals?.counts ?? SessionOutcomeCounts(),
                energyDeliveredKWh: restored.totals?.energyDeliveredKWh ?? 0)
        }
        self.model = Mutex(model)
        self.clock = clock
    }

    /// What a journal writes: the active sessions now, those ended since the last checkpoint,
    /// and the totals.
    public func checkpoint() -> (sessions: [ChargingSession], totals: SubstationJournal.Totals) {
        let now = clock.simulatedSeconds()
        return model.withLock { model in
            model.advance(to: now)
            let sessions = model.activeSessions + model.takeEndedSessions()
            return (
                sessions,
                SubstationJournal.Totals(counts: model.counts, energyDeliveredKWh: model.energyDeliveredKWh, simulatedSeconds: now)
            )
        }
    }

    public func totals() -> SubstationJournal.Totals {
        let now = clock.simulatedSeconds()
        return model.withLock { model in
            SubstationJournal.Totals(
                counts: model.counts, energyDeliveredKWh: model.energyDeliveredKWh, simulatedSeconds: max(now, model.now))
        }
    }

    public func admit(_ order: SessionOrder) -> Result<ChargingSession, AdmissionRefusal> {
        let now = clock.simulatedSeconds()
        let epoch = clock.epochSeconds()
        return model.withLock { model in
            model.advance(to: now)
            return model.admit(id: order.id, request: order.request, createdAtEpochSeconds: epoch)
        }
    }

    public func session(id: String) -> ChargingSession? {
        let now = clock.simulatedSeconds()
        return model.withLock { model in
            model.advance(to: now)
            return model.session(id: id)
        }
    }

    public func cancel(id: String) -> ChargingSession? {
        let now = clock.simulatedSeconds()
        return model.withLock { model in
            model.advance(to: now)
            return model.cancel(id: id)
        }
    }

    /// Runs `body` on the model brought up to the clock's time, under the lock (for charge
    /// points, whose transactions are sessions of this model).
    func withModel<T>(_ body: (inout SubstationModel) -> T) -> T {
        let now = clock.simulatedSeconds()
        return model.withLock { model in
            model.advance(to: now)
            return body(&model)
        }
    }

    public func snapshot() -> SubstationSnapshot {
        let now = clock.simulatedSeconds()
        return model.withLock { model in
            model.advance(to: now)
            return model.snapshot
        }
    }
}

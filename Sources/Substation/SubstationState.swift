import GridCore
import GridHTTP
import Synchronization

/// The live substation: the pure model behind a lock, brought up to the clock's time before
/// every read or change, so every answer reflects the simulation at that instant.
public final class SubstationState: Sendable {
    private let model: Mutex<SubstationModel>
    private let clock: any SimulationClock

    public init(configuration: SubstationConfiguration, clock: any SimulationClock) {
        let curve = BaseLoadCurve(
            capacityKW: configuration.spec.capacityKW, meanFraction: configuration.baseLoadFraction,
            seed: configuration.seed)
        self.model = Mutex(SubstationModel(spec: configuration.spec, baseLoad: curve, now: clock.simulatedSeconds()))
        self.clock = clock
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

    public func snapshot() -> SubstationSnapshot {
        let now = clock.simulatedSeconds()
        return model.withLock { model in
            model.advance(to: now)
            return model.snapshot
        }
    }
}

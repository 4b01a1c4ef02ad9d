/// The simulation of one substation (CONTRACT section 2), on simulated time that its owner advances.
///
/// Pure: no clock, no I/O. The live substation service and the policy lab both drive this type.
public struct SubstationModel: Sendable {
    public let spec: SubstationSpec
    public let baseLoad: BaseLoadCurve
    public private(set) var now: Double
    public private(set) var counts = SessionOutcomeCounts()
    public private(set) var energyDeliveredKWh: Double = 0

    private var active: [String: ChargingSession] = [:]
    private var ended: [String: ChargingSession] = [:]
    private var endedOrder: [String] = []
    private var endedOrderStart = 0
    /// Ended sessions stay readable (GET) until this many newer ones have ended.
    public static let endedHistoryLimit = 20_000
    /// Longest stretch of simulated time integrated with one allocation, so base load changes show.
    static let maxStepSeconds = 30.0

    public init(spec: SubstationSpec, baseLoad: BaseLoadCurve, now: Double) {
        self.spec = spec
        self.baseLoad = baseLoad
        self.now = now
    }

    public var activeSessionCount: Int { active.count }

    public func session(id: String) -> ChargingSession? {
        active[id] ?? ended[id]
    }

    public var activeSessions: [ChargingSession] {
        active.values.sorted { $0.id < $1.id }
    }

    public var snapshot: SubstationSnapshot {
        var evPower = 0.0
        var requested = 0.0
        for session in active.values {
            evPower += session.powerKW
            requested += session.requestedPowerKW
        }
        return SubstationSnapshot(
            spec: spec, baseLoadKW: baseLoad.loadKW(atSimulatedSeconds: now), evPowerKW: evPower,
            requestedPowerKW: requested, activeSessions: active.count, counts: counts,
            energyDeliveredKWh: energyDeliveredKWh)
    }

    /// Admits a session now, or says why not. The caller advances time first.
    public mutating func admit(
        id: String, request: ChargeRequest, createdAtEpochSeconds: Double
    ) -> Result<ChargingSession, AdmissionRefusal> {
        if active[id] != nil || ended[id] != nil {
            return .failure(.duplicateSession(id: id))
        }
        guard active.count < spec.chargingPoints else {
            counts.rejected += 1
            return .failure(.noFreeChargingPoint(points: spec.chargingPoints))
        }
        let candidate = ChargingSession(
            id: id, request: request, pointMaxKW: spec.pointMaxKW, startedAt: now,
            createdAtEpochSeconds: createdAtEpochSeconds)
        let requests = active.values.map(\.requestedPowerKW) + [candidate.requestedPowerKW]
        let allocation = WaterFillingAllocator.allocate(available: evAvailableKW, requests: requests)
        let starved = zip(requests, allocation).contains { requested, granted in
            granted + 1e-9 < min(requested, SubstationSpec.minimumSessionPowerKW)
        }
        guard !starved else {
            counts.rejected += 1
            return .failure(.insufficientPower(minimumShareKW: allocation.min() ?? 0))
        }
        active[id] = candidate
        counts.admitted += 1
        reallocate()
        return .success(active[id]!)
    }

    /// The driver leaves: the session ends as cancelled (or stays as it ended). Nil when unknown.
    public mutating func cancel(id: String) -> ChargingSession? {
        if var session = active[id] {
            if case .ended(let status) = session.cancel() {
                retire(session, as: status)
            }
            reallocate()
            return session
        }
        return ended[id]
    }

    /// Runs the simulation forward to `target` simulated seconds: power is re-shared whenever a
    /// session ends or base load moves, energy accumulates, sessions complete and depart.
    public mutating func advance(to target: Double) {
        while now < target {
            endDueSessions()
            reallocate()
            var step = min(target - now, Self.maxStepSeconds)
            for session in active.values {
                if session.powerKW > 0 {
                    step = min(step, session.remainingKWh / session.powerKW * 3600)
                }
                if let departure = session.departureAtSimulatedSeconds {
                    step = min(step, max(0, departure - now))
                }
            }
            step = max(step, 1e-6)
            now = min(target, now + step)
            for id in Array(active.keys) {
                let energy = active[id]!.powerKW * step / 3600
                let before = active[id]!.energyDeliveredKWh
                let transition = active[id]!.deliver(kWh: energy)
                energyDeliveredKWh += active[id]!.energyDeliveredKWh - before
                if case .ended(let status) = transition {
                    retire(active[id]!, as: status)
                }
            }
        }
        endDueSessions()
        reallocate()
    }

    private var evAvailableKW: Double {
        spec.capacityKW - baseLoad.loadKW(atSimulatedSeconds: now)
    }

    private mutating func endDueSessions() {
        for id in Array(active.keys) {
            if case .ended(let status) = active[id]!.departIfDue(now: now) {
                retire(active[id]!, as: status)
            }
        }
    }

    private mutating func reallocate() {
        let ids = Array(active.keys)
        let allocation = WaterFillingAllocator.allocate(
            available: evAvailableKW, requests: ids.map { active[$0]!.requestedPowerKW })
        for (id, power) in zip(ids, allocation) {
            active[id]!.powerKW = power
        }
    }

    private mutating func retire(_ session: ChargingSession, as status: ChargingSession.Status) {
        active[session.id] = nil
        ended[session.id] = session
        endedOrder.append(session.id)
        counts.count(ended: status)
        if endedOrder.count - endedOrderStart > Self.endedHistoryLimit {
            ended[endedOrder[endedOrderStart]] = nil
            endedOrderStart += 1
            if endedOrderStart > Self.endedHistoryLimit {
                endedOrder.removeFirst(endedOrderStart)
                endedOrderStart = 0
            }
        }
    }
}

/// The simulation of one substation (CONTRACT section 2), on simulated time that its owner advances.
///
/// Pure: no clock, no I/O. The live substation service and the policy lab both drive this type.
public struct SubstationModel: Sendable {
    public let spec: SubstationSpec
    public let baseLoad: BaseLoadCurve
    public private(set) var now: Double
    public private(set) var counts = SessionOutcomeCounts()
    public private(set) var energyDeliveredKWh: Double = 0

    /// Active sessions, kept in ascending order of requested power so water-filling needs no sort.
    private var active: [ChargingSession] = []
    private var ended: [String: ChargingSession] = [:]
    private var endedOrder: [String] = []
    private var endedOrderStart = 0
    /// Ended sessions stay readable (GET) until this many newer ones have ended.
    public static let endedHistoryLimit = 20_000
    /// Longest stretch of simulated time integrated with one allocation, so base load changes show.
    public let maxStepSeconds: Double

    /// Base load at `now`, kept up to date whenever time moves (it is costly to compute).
    private var baseLoadNowKW: Double

    public init(spec: SubstationSpec, baseLoad: BaseLoadCurve, now: Double, maxStepSeconds: Double = 30) {
        self.spec = spec
        self.baseLoad = baseLoad
        self.now = now
        self.maxStepSeconds = maxStepSeconds
        self.baseLoadNowKW = baseLoad.loadKW(atSimulatedSeconds: now)
    }

    public var activeSessionCount: Int { active.count }

    public func session(id: String) -> ChargingSession? {
        active.first { $0.id == id } ?? ended[id]
    }

    public var activeSessions: [ChargingSession] {
        active.sorted { $0.id < $1.id }
    }

    public var snapshot: SubstationSnapshot {
        var evPower = 0.0
        var requested = 0.0
        for session in active {
            evPower += session.powerKW
            requested += session.requestedPowerKW
        }
        return SubstationSnapshot(
            spec: spec, baseLoadKW: baseLoadNowKW, evPowerKW: evPower,
            requestedPowerKW: requested, activeSessions: active.count, counts: counts,
            energyDeliveredKWh: energyDeliveredKWh)
    }

    /// Admits a session now, or says why not. The caller advances time first.
    public mutating func admit(
        id: String, request: ChargeRequest, createdAtEpochSeconds: Double
    ) -> Result<ChargingSession, AdmissionRefusal> {
        if ended[id] != nil || active.contains(where: { $0.id == id }) {
            return .failure(.duplicateSession(id: id))
        }
        guard active.count < spec.chargingPoints else {
            counts.rejected += 1
            return .failure(.noFreeChargingPoint(points: spec.chargingPoints))
        }
        let candidate = ChargingSession(
            id: id, request: request, pointMaxKW: spec.pointMaxKW, startedAt: now,
            createdAtEpochSeconds: createdAtEpochSeconds)
        let position = insertionPoint(for: candidate.requestedPowerKW)
        var requests = active.map(\.requestedPowerKW)
        requests.insert(candidate.requestedPowerKW, at: position)
        let allocation = WaterFillingAllocator.allocate(available: evAvailableKW, ascendingRequests: requests)
        // Water-filling gives the least to the largest requests: check the one that gets least.
        let starved = zip(requests, allocation).contains { requested, granted in
            granted + 1e-9 < min(requested, SubstationSpec.minimumSessionPowerKW)
        }
        guard !starved else {
            counts.rejected += 1
            return .failure(.insufficientPower(minimumShareKW: allocation.min() ?? 0))
        }
        active.insert(candidate, at: position)
        counts.admitted += 1
        reallocate()
        return .success(active[position])
    }

    /// The driver leaves: the session ends as cancelled (or stays as it ended). Nil when unknown.
    public mutating func cancel(id: String) -> ChargingSession? {
        guard let index = active.firstIndex(where: { $0.id == id }) else { return ended[id] }
        var session = active[index]
        if case .ended(let status) = session.cancel() {
            retire(at: index, session, as: status)
        }
        reallocate()
        return session
    }

    /// Runs the simulation forward to `target` simulated seconds: power is re-shared whenever a
    /// session ends or base load moves, energy accumulates, sessions complete and depart.
    public mutating func advance(to target: Double) {
        guard !active.isEmpty else {
            // Nothing to integrate: only the base load moves.
            if target > now { moveClock(to: target) }
            return
        }
        while now < target {
            endDueSessions()
            reallocate()
            var step = min(target - now, maxStepSeconds)
            for session in active {
                if session.powerKW > 0 {
                    step = min(step, session.remainingKWh / session.powerKW * 3600)
                }
                if let departure = session.departureAtSimulatedSeconds {
                    step = min(step, max(0, departure - now))
                }
            }
            step = max(step, 1e-6)
            moveClock(to: min(target, now + step))
            var index = active.count - 1
            while index >= 0 {
                let before = active[index].energyDeliveredKWh
                let transition = active[index].deliver(kWh: active[index].powerKW * step / 3600)
                energyDeliveredKWh += active[index].energyDeliveredKWh - before
                if case .ended(let status) = transition {
                    retire(at: index, active[index], as: status)
                }
                index -= 1
            }
        }
        endDueSessions()
        reallocate()
    }

    private var evAvailableKW: Double {
        spec.capacityKW - baseLoadNowKW
    }

    private mutating func moveClock(to time: Double) {
        now = time
        baseLoadNowKW = baseLoad.loadKW(atSimulatedSeconds: now)
    }

    /// Where a session requesting `powerKW` goes to keep `active` in ascending order.
    private func insertionPoint(for powerKW: Double) -> Int {
        var low = 0
        var high = active.count
        while low < high {
            let middle = (low + high) / 2
            if active[middle].requestedPowerKW <= powerKW { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private mutating func endDueSessions() {
        var index = active.count - 1
        while index >= 0 {
            if case .ended(let status) = active[index].departIfDue(now: now) {
                retire(at: index, active[index], as: status)
            }
            index -= 1
        }
    }

    private mutating func reallocate() {
        WaterFillingAllocator.fill(available: evAvailableKW, &active, requested: \.requestedPowerKW, grant: { $0.powerKW = $1 })
    }

    private mutating func retire(at index: Int, _ session: ChargingSession, as status: ChargingSession.Status) {
        active.remove(at: index)
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

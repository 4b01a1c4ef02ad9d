/// The simulation of one substation (CONTRACT section 2), on simulated time that its owner advances.
///
/// Pure: no clock, no I/O. The live substation service and the policy lab both drive this type.
public struct SubstationModel: Sendable {
    public let spec: SubstationSpec
    public let baseLoad: BaseLoadCurve
    public private(set) var now: Double
    public private(set) var counts = SessionOutcomeCounts()
    public private(set) var energyDeliveredKWh: Double = 0
    /// Energy asked for by every session admitted.
    public private(set) var energyRequestedKWh: Double = 0
    /// Energy still owed to sessions that departed before they were full (cancellations excluded:
    /// the driver chose to leave).
    public private(set) var energyUnmetKWh: Double = 0
    /// How power is shared among the sessions.
    public let allocation: PowerAllocation
    /// Admission keeps every session, the new one included, at or above min(requested, this) kW;
    /// 0 admits whenever a point is free (a session may then get 0 kW for a while).
    public let admissionFloorKW: Double

    /// Active sessions, kept in ascending order of requested power so water-filling needs no sort.
    private var active: [ChargingSession] = []
    private var ended: EndedSessionHistory
    /// Sessions ended since the owner last took them (`takeEndedSessions`), for a journal: kept
    /// whole, not as ids into the history, so none is lost when more end between two takes than
    /// the history holds.
    private var endedSinceTaken: [ChargingSession] = []
    /// Ended sessions stay readable (GET) until this many newer ones have ended.
    public let endedHistoryLimit: Int
    public static let defaultEndedHistoryLimit = 20_000
    /// Longest stretch of simulated time integrated with one allocation, so base load changes show.
    public let maxStepSeconds: Double

    /// Base load at `now`, kept up to date whenever time moves (it is costly to compute).
    private var baseLoadNowKW: Double
    /// The time at which due sessions were last ended and power last shared: nothing to redo
    /// while the clock stands there.
    private var settledAt = -Double.infinity
    /// No session can end before this time: each would need its full requested power to
    /// complete sooner, and none departs sooner. Kept up to date with every allocation.
    private var noSessionEndsBefore = Double.infinity

    /// - Parameter endedHistoryLimit: how many ended sessions stay readable; a simulation that
    ///   never reads them passes 0.
    public init(
        spec: SubstationSpec, baseLoad: BaseLoadCurve, now: Double, maxStepSeconds: Double = 30,
        endedHistoryLimit: Int = defaultEndedHistoryLimit, allocation: PowerAllocation = .waterFilling,
        admissionFloorKW: Double = SubstationSpec.minimumSessionPowerKW
    ) {
        self.endedHistoryLimit = endedHistoryLimit
        self.ended = EndedSessionHistory(limit: endedHistoryLimit)
        self.allocation = allocation
        self.admissionFloorKW = admissionFloorKW
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
        for index in active.indices {
            evPower += active[index].powerKW
            requested += active[index].requestedPowerKW
        }
        return SubstationSnapshot(
            spec: spec, baseLoadKW: baseLoadNowKW, evPowerKW: evPower,
            requestedPowerKW: requested, activeSessions: active.count, counts: counts,
            energyDeliveredKWh: energyDeliveredKWh, energyRequestedKWh: energyRequestedKWh, energyUnmetKWh: energyUnmetKWh)
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
            granted + 1e-9 < min(requested, admissionFloorKW)
        }
        guard !starved else {
            counts.rejected += 1
            return .failure(.insufficientPower(minimumShareKW: allocation.min() ?? 0))
        }
        active.insert(candidate, at: position)
        counts.admitted += 1
        energyRequestedKWh += candidate.energyRequestedKWh
        reallocate()
        return .success(active[position])
    }

    /// The driver leaves: the session ends as cancelled (or stays as it ended). Nil when unknown.
    public mutating func cancel(id: String) -> ChargingSession? {
        guard let index = active.firstIndex(where: { $0.id == id }) else { return ended[id] }
        var session = active[index]
        if case .ended(let status) = session.cancel() {
            session.endedAtSimulatedSeconds = now
            retire(at: index, session, as: status)
        }
        reallocate()
        return session
    }

    /// The car stopped charging by itself (a charge point ended its transaction): the session
    /// ends as completed with the energy it got. Nil when unknown.
    public mutating func complete(id: String) -> ChargingSession? {
        guard let index = active.firstIndex(where: { $0.id == id }) else { return ended[id] }
        var session = active[index]
        if case .ended(let status) = session.stop() {
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
            settle()
            var step = min(target - now, maxStepSeconds)
            if allocation.replansPeriodically { step = min(step, nextReplan - now) }
            for index in active.indices {
                let power = active[index].powerKW
                if power > 0 {
                    step = min(step, active[index].remainingKWh / power * 3600)
                }
                if let departure = active[index].departureAtSimulatedSeconds {
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
        settle()
    }

    /// The sessions that ended since the last call, in the order they ended (those still
    /// remembered), so a journal can record each ending once.
    public mutating func takeEndedSessions() -> [ChargingSession] {
        defer { endedSinceTaken.removeAll(keepingCapacity: true) }
        return endedSinceTaken
    }

    /// Gives back endings taken by `takeEndedSessions` that could not be written: the next take
    /// returns them again, first.
    public mutating func returnEndedSessions(_ sessions: [ChargingSession]) {
        endedSinceTaken.insert(contentsOf: sessions, at: 0)
    }

    /// Puts back what a journal kept: sessions still charging (they go on from the energy they
    /// had), ended ones (readable again, oldest first), the outcome counts and the energy total.
    /// For a model that has not admitted anything yet.
    public mutating func restore(
        active restoredActive: [ChargingSession], ended restoredEnded: [ChargingSession], counts: SessionOutcomeCounts,
        energyDeliveredKWh: Double, energyRequestedKWh: Double = 0, energyUnmetKWh: Double = 0
    ) {
        precondition(active.isEmpty && ended.count == 0, "restore into a fresh model")
        active = restoredActive.filter { $0.status == .charging }.sorted { $0.requestedPowerKW < $1.requestedPowerKW }
        for session in restoredEnded.suffix(endedHistoryLimit) where session.status != .charging {
            ended.append(session)
        }
        self.counts = counts
        self.energyDeliveredKWh = energyDeliveredKWh
        self.energyRequestedKWh = energyRequestedKWh
        self.energyUnmetKWh = energyUnmetKWh
        reallocate()
    }

    /// Advances to `time` and returns the snapshot there: one call, made in place.
    public mutating func snapshot(advancingTo time: Double) -> SubstationSnapshot {
        advance(to: time)
        return snapshot
    }

    /// What a scrape at `time` reads: projected when it can be, else advanced to. In place.
    public mutating func snapshot(forScrapeAt time: Double) -> SubstationSnapshot {
        if let projected = projectedSnapshot(at: time) { return projected }
        return snapshot(advancingTo: time)
    }

    /// The snapshot at a later `time` without simulating up to it, when no session can have
    /// ended by then; nil otherwise (then advance). Load, power and sessions are what advancing
    /// would give, up to rounding: the same sessions share power left by the base load at `time`,
    /// and water-filling hands out min(requested, available) in total. Energy figures stay as of
    /// `now`. A simulated scrape reads this, so that scrapes do not cost a simulation step each.
    public func projectedSnapshot(at time: Double) -> SubstationSnapshot? {
        guard time >= now, time < noSessionEndsBefore else { return nil }
        var requested = 0.0
        for index in active.indices { requested += active[index].requestedPowerKW }
        let baseLoadThen = baseLoad.loadKW(atSimulatedSeconds: time)
        let evPower = min(requested, max(0, spec.capacityKW - baseLoadThen))
        return SubstationSnapshot(
            spec: spec, baseLoadKW: baseLoadThen, evPowerKW: evPower, requestedPowerKW: requested,
            activeSessions: active.count, counts: counts, energyDeliveredKWh: energyDeliveredKWh,
            energyRequestedKWh: energyRequestedKWh, energyUnmetKWh: energyUnmetKWh)
    }

    /// Ends the sessions due by `now` and re-shares power, unless already done at this time.
    private mutating func settle() {
        guard settledAt != now else { return }
        endDueSessions()
        reallocate()
    }

    /// The next multiple of the re-planning period after `now`.
    private var nextReplan: Double {
        let period = PowerAllocation.replanningPeriodSeconds
        return ((now / period).rounded(.down) + 1) * period
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
        settledAt = now
        if allocation == .waterFilling {
            WaterFillingAllocator.fill(available: evAvailableKW, &active, requested: \.requestedPowerKW, grant: { $0.powerKW = $1 })
        } else {
            allocation.allocate(available: evAvailableKW, floorKW: admissionFloorKW, now: now, slotEnd: nextReplan, &active)
        }
        var earliestEnd = Double.infinity
        for index in active.indices {
            let requested = active[index].requestedPowerKW
            if requested > 0 {
                // Completion is declared within a tolerance of the request: end the bound a little early.
                let fastest = (active[index].remainingKWh - ChargingSession.energyTolerance) / requested * 3600
                earliestEnd = min(earliestEnd, now + max(0, fastest) * (1 - 1e-9))
            }
            if let departure = active[index].departureAtSimulatedSeconds { earliestEnd = min(earliestEnd, departure) }
        }
        noSessionEndsBefore = earliestEnd
    }

    private mutating func retire(at index: Int, _ ending: ChargingSession, as status: ChargingSession.Status) {
        active.remove(at: index)
        counts.count(ended: status)
        if status == .departed { energyUnmetKWh += ending.remainingKWh }
        var session = ending
        session.endedAtSimulatedSeconds = now
        guard endedHistoryLimit > 0 else { return }
        ended.append(session)
        endedSinceTaken.append(session)
    }
}

import Foundation
import GridCore

/// A discrete-event simulation of a whole grid on simulated time, no sockets: arrivals, scrapes
/// and samples in time order, routed with the very `LoadView`, `RoutingPolicy` and
/// `RoutingAttempt` (with its attempt bound and retry budget) the live balancer uses, into the
/// very `SubstationModel` (and `PowerAllocation`) the live substations run, read through the very
/// `ScrapedFigures`. Cars come from the scenario's generator or from a trace of real sessions.
public struct GridSimulation: Sendable {
    public let scenario: SimulationScenario
    public let policy: SimulatedPolicy
    public let allocation: PowerAllocation
    public let trace: SessionTrace?

    public init(
        scenario: SimulationScenario, policy: SimulatedPolicy, allocation: PowerAllocation = .waterFilling, trace: SessionTrace? = nil
    ) {
        self.scenario = scenario
        self.policy = policy
        self.allocation = allocation
        self.trace = trace
    }

    /// Longest simulated time a run may continue after the last arrival, for sessions to finish.
    static let drainLimitSeconds = 48.0 * 3600

    /// Substation ids: those the trace names first, then S1, S2, ... for the other capacities.
    public static func substationIds(scenario: SimulationScenario, trace: SessionTrace?) -> [String] {
        var ids = trace?.substationIds ?? []
        var number = 1
        while ids.count < scenario.capacitiesKW.count {
            if !ids.contains("S\(number)") { ids.append("S\(number)") }
            number += 1
        }
        return ids
    }

    /// The end of a trace replay: 48 h after the last arrival, or the last departure if later.
    static func traceEnd(_ trace: SessionTrace) -> Double {
        let lastArrival = trace.records.map(\.arrival).max() ?? 0
        let lastDeparture = trace.records.compactMap(\.departure).max() ?? lastArrival
        return max(lastArrival + drainLimitSeconds, lastDeparture)
    }

    public func run() -> PolicyResult {
        runRecordingSessions().result
    }

    /// The result and, for a trace, what became of every session (in the trace's order of arrival).
    public func runRecordingSessions() -> (result: PolicyResult, sessions: [SessionOutcome]) {
        let start = trace?.records.first.map { min($0.arrival, scenario.startHour * 3600) } ?? scenario.startHour * 3600
        let ids = Self.substationIds(scenario: scenario, trace: trace)
        var substations = scenario.capacitiesKW.enumerated().map { index, capacity in
            SubstationModel(
                spec: SubstationSpec(
                    id: ids[index], capacityKW: capacity, chargingPoints: scenario.chargingPoints[index], pointMaxKW: scenario.pointMaxKW),
                baseLoad: BaseLoadCurve(
                    capacityKW: capacity, meanFraction: scenario.baseLoadFraction, seed: scenario.seed &+ UInt64(index)),
                now: start, maxStepSeconds: 300, endedHistoryLimit: trace?.records.count ?? 0, allocation: allocation,
                admissionFloorKW: scenario.admissionFloorKW)
        }
        var view = LoadView(urls: substations.map(\.spec.id))
        var routing = RoutingPolicy(policy.policyName)
        var arrivals = SimulatedArrivals(scenario: scenario, trace: trace, substationIds: ids)
        // The routing's own randomness differs by policy; the cars are the same for all.
        var routingRandom = SeededGenerator(seed: scenario.seed ^ 0x5EED_0F_0B0E)
        // Retries are budgeted across requests as in the live balancer, on simulated time.
        var retryBudget = RetryBudget()
        var statistics = RunStatistics(substationCount: substations.count)
        // A trace whose every car names its substation needs no scrapes.
        let routes = trace.map { $0.records.contains { $0.substationId == nil } } ?? true
        var placedAt: [String: Int] = [:]

        func scrape(at time: Double) {
            for index in substations.indices {
                let figures = ScrapedFigures(snapshot: substations[index].snapshot(forScrapeAt: time))
                view.scrapeSucceeded(LoadView.ScrapeTicket(substation: index, takenAt: time), figures: figures, at: time)
            }
        }

        func sample(at time: Double) {
            let snapshots = substations.indices.map { substations[$0].snapshot(advancingTo: time) }
            statistics.sample(snapshots, minutes: (time - start) / 60)
        }

        if routes { scrape(at: start) }
        var nextScrape = routes ? start + scenario.pollIntervalSeconds : .infinity
        var nextSample = start
        while let nextArrival = arrivals.nextArrivalTime {
            if nextSample <= nextArrival && nextSample <= nextScrape {
                sample(at: nextSample)
                nextSample += scenario.sampleIntervalSeconds
            } else if nextScrape <= nextArrival {
                scrape(at: nextScrape)
                nextScrape += scenario.pollIntervalSeconds
            } else {
                let arrival = arrivals.next()!
                let time = arrival.time
                statistics.energyRequestedKWh += arrival.request.energyKWh
                var placed = false
                if let fixed = arrival.substation {
                    substations[fixed].advance(to: time)
                    if case .success = substations[fixed].admit(id: arrival.id, request: arrival.request, createdAtEpochSeconds: 0) {
                        placed = true
                        placedAt[arrival.id] = fixed
                    }
                } else {
                    var attempt = RoutingAttempt(powerKW: arrival.request.maxPowerKW, accountsOwnDispatches: policy.accountsOwnDispatches)
                    while let candidate = attempt.next(
                        view: &view, policy: &routing, budget: &retryBudget, at: time, using: &routingRandom)
                    {
                        substations[candidate.substation].advance(to: time)
                        switch substations[candidate.substation].admit(id: arrival.id, request: arrival.request, createdAtEpochSeconds: 0) {
                        case .success:
                            attempt.admitted(view: &view, at: time)
                            placed = true
                            if trace != nil { placedAt[arrival.id] = candidate.substation }
                        case .failure:
                            attempt.refused(view: &view)
                        }
                        if placed { break }
                    }
                    statistics.retries += max(0, attempt.attempts - 1)
                }
                if placed { statistics.admitted += 1 } else { statistics.rejected += 1 }
            }
        }
        // Let the sessions finish so the energy figures are whole; balance is judged while cars arrive.
        var time = trace == nil ? max(arrivals.timeAfterLast, nextSample) : nextSample
        let drainEnd = trace.map(Self.traceEnd) ?? time + Self.drainLimitSeconds
        while time < drainEnd, substations.contains(where: { $0.activeSessionCount > 0 }) {
            time += 3600
            for index in substations.indices { substations[index].advance(to: min(time, drainEnd)) }
        }
        var sessions: [SessionOutcome] = []
        if let trace {
            for record in trace.records {
                guard let index = placedAt[record.id], let session = substations[index].session(id: record.id) else {
                    sessions.append(
                        SessionOutcome(
                            id: record.id, substationId: record.substationId, admitted: false, energyRequestedKWh: record.energyKWh,
                            energyDeliveredKWh: 0, status: "rejected", endedAt: record.arrival))
                    continue
                }
                sessions.append(
                    SessionOutcome(
                        id: record.id, substationId: ids[index], admitted: true, energyRequestedKWh: record.energyKWh,
                        energyDeliveredKWh: session.energyDeliveredKWh, status: session.status.rawValue,
                        endedAt: session.endedAtSimulatedSeconds))
            }
        }
        var result = statistics.result(policy: policy.rawValue, scenario: scenario, substations: substations)
        result.allocation = allocation.rawValue
        if trace != nil {
            let nearlyMet = sessions.filter { $0.energyRequestedKWh - $0.energyDeliveredKWh < SessionOutcome.nearlyMetKWh }.count
            result.demandsNearlyMetRatio = Double(nearlyMet) / Double(max(1, sessions.count))
        }
        return (result, sessions)
    }

    /// The most energy any schedule could deliver to this run's cars, over the energy they ask
    /// for (see `OfflineOptimum`); nil when the run is too big to bound.
    public static func offlineOptimum(scenario: SimulationScenario, trace: SessionTrace?, maxSessions: Int = 50_000)
        -> OfflineOptimumFigure?
    {
        let ids = substationIds(scenario: scenario, trace: trace)
        var arrivals = SimulatedArrivals(scenario: scenario, trace: trace, substationIds: ids)
        guard arrivals.total <= maxSessions else { return nil }
        var sessions: [OfflineOptimum.Session] = []
        var requested = 0.0
        var lastArrival = -Double.infinity
        while let arrival = arrivals.next() {
            requested += arrival.request.energyKWh
            lastArrival = max(lastArrival, arrival.time)
            sessions.append(
                OfflineOptimum.Session(
                    arrival: arrival.time, departure: arrival.request.departureMinutes.map { arrival.time + $0 * 60 },
                    energyKWh: arrival.request.energyKWh, powerKW: min(arrival.request.maxPowerKW, scenario.pointMaxKW),
                    substation: arrival.substation))
        }
        // The run drains for 48 h after its last car (generated traffic: from the next gap on, an hour at a time).
        let horizon = trace.map(traceEnd) ?? lastArrival + drainLimitSeconds + 3600
        let limits = scenario.capacitiesKW.enumerated().map { index, capacity in
            OfflineOptimum.Limit(
                capacityKW: capacity,
                baseLoad: BaseLoadCurve(capacityKW: capacity, meanFraction: scenario.baseLoadFraction, seed: scenario.seed &+ UInt64(index))
            )
        }
        guard let energy = OfflineOptimum.energyKWh(sessions: sessions, limits: limits, horizonEnd: horizon) else { return nil }
        return OfflineOptimumFigure(energyDeliveredRatio: requested > 0 ? energy / requested : 0, energyDeliveredKWh: energy)
    }
}

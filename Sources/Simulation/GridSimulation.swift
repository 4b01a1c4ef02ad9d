import Foundation
import GridCore

/// A discrete-event simulation of a whole grid on simulated time, no sockets: arrivals, scrapes
/// and samples in time order, routed with the very `LoadView`, `RoutingPolicy` and
/// `RoutingAttempt` (with its attempt bound and retry budget) the live balancer uses, into the
/// very `SubstationModel` the live substations run, read through the very `ScrapedFigures`.
public struct GridSimulation: Sendable {
    public let scenario: SimulationScenario
    public let policy: SimulatedPolicy

    public init(scenario: SimulationScenario, policy: SimulatedPolicy) {
        self.scenario = scenario
        self.policy = policy
    }

    /// Longest simulated time a run may continue after the last arrival, for sessions to finish.
    static let drainLimitSeconds = 48.0 * 3600

    public func run() -> PolicyResult {
        let start = scenario.startHour * 3600
        var substations = scenario.capacitiesKW.enumerated().map { index, capacity in
            SubstationModel(
                spec: SubstationSpec(
                    id: "S\(index + 1)", capacityKW: capacity, chargingPoints: scenario.chargingPoints[index],
                    pointMaxKW: scenario.pointMaxKW),
                baseLoad: BaseLoadCurve(
                    capacityKW: capacity, meanFraction: scenario.baseLoadFraction, seed: scenario.seed &+ UInt64(index)),
                now: start, maxStepSeconds: 300, endedHistoryLimit: 0)
        }
        var view = LoadView(urls: substations.map(\.spec.id))
        var routing = RoutingPolicy(policy.policyName)
        // The traffic is the same for every policy; only the routing's own randomness differs.
        var traffic = SeededGenerator(seed: scenario.seed)
        var routingRandom = SeededGenerator(seed: scenario.seed ^ 0x5EED_0F_0B0E)
        // Retries are budgeted across requests as in the live balancer, on simulated time.
        var retryBudget = RetryBudget()
        var statistics = RunStatistics(substationCount: substations.count)
        let profile = RushHourProfile(period: Double(scenario.requests) / scenario.arrivalsPerMinute * 60 / 0.6)

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

        func nextGap(at time: Double) -> Double {
            let factor = scenario.rushHour ? profile.factor(at: time - start) : 1
            let rate = scenario.arrivalsPerMinute * factor / 60
            return -log(1 - Double.random(in: 0..<1, using: &traffic)) / rate
        }

        scrape(at: start)
        var nextScrape = start + scenario.pollIntervalSeconds
        var nextSample = start
        var nextArrival = start + nextGap(at: start)
        var arrived = 0
        while arrived < scenario.requests {
            if nextSample <= nextArrival && nextSample <= nextScrape {
                sample(at: nextSample)
                nextSample += scenario.sampleIntervalSeconds
            } else if nextScrape <= nextArrival {
                scrape(at: nextScrape)
                nextScrape += scenario.pollIntervalSeconds
            } else {
                let time = nextArrival
                let request = VehicleMix.standard.nextRequest(vehicleNumber: arrived, using: &traffic)
                statistics.energyRequestedKWh += request.energyKWh
                var attempt = RoutingAttempt(powerKW: request.maxPowerKW, accountsOwnDispatches: policy.accountsOwnDispatches)
                var placed = false
                while let candidate = attempt.next(
                    view: &view, policy: &routing, budget: &retryBudget, at: time, using: &routingRandom)
                {
                    substations[candidate.substation].advance(to: time)
                    switch substations[candidate.substation].admit(id: "v\(arrived)", request: request, createdAtEpochSeconds: 0) {
                    case .success:
                        attempt.admitted(view: &view, at: time)
                        placed = true
                    case .failure:
                        attempt.refused(view: &view)
                    }
                    if placed { break }
                }
                statistics.retries += max(0, attempt.attempts - 1)
                if placed { statistics.admitted += 1 } else { statistics.rejected += 1 }
                arrived += 1
                nextArrival = time + nextGap(at: time)
            }
        }
        // Let the sessions finish so the energy figures are whole; balance is judged while cars arrive.
        var time = max(nextArrival, nextSample)
        let drainEnd = time + Self.drainLimitSeconds
        while time < drainEnd, substations.contains(where: { $0.activeSessionCount > 0 }) {
            time += 3600
            for index in substations.indices { substations[index].advance(to: min(time, drainEnd)) }
        }
        return statistics.result(policy: policy.rawValue, scenario: scenario, substations: substations)
    }
}

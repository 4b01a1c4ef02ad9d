import Foundation
import GridCore

/// The cars of one run, in order of arrival: generated from the scenario's seed (the same for
/// every policy and allocation), or read from a trace.
struct SimulatedArrivals {
    struct Arrival {
        var time: Double
        var id: String
        var request: ChargeRequest
        /// The substation the car must use (index), or nil when the routing policy chooses.
        var substation: Int?
    }

    private let scenario: SimulationScenario
    private let trace: SessionTrace?
    private let substationIndex: [String: Int]
    private var traffic: SeededGenerator
    private let profile: RushHourProfile
    private var arrived = 0
    private var nextTime: Double

    init(scenario: SimulationScenario, trace: SessionTrace?, substationIds: [String]) {
        self.scenario = scenario
        self.trace = trace
        self.substationIndex = Dictionary(uniqueKeysWithValues: substationIds.enumerated().map { ($1, $0) })
        traffic = SeededGenerator(seed: scenario.seed)
        profile = RushHourProfile(period: Double(scenario.requests) / scenario.arrivalsPerMinute * 60 / 0.6)
        nextTime = scenario.startHour * 3600
        if trace == nil { nextTime += gap(at: nextTime) }
    }

    var total: Int { trace?.records.count ?? scenario.requests }

    /// When the next car arrives; nil when all have.
    var nextArrivalTime: Double? {
        guard arrived < total else { return nil }
        if let trace { return trace.records[arrived].arrival }
        return nextTime
    }

    /// The time the last generated gap points to (generated traffic only): where the run's drain starts.
    var timeAfterLast: Double { nextTime }

    mutating func next() -> Arrival? {
        guard arrived < total else { return nil }
        defer { arrived += 1 }
        if let trace {
            let record = trace.records[arrived]
            let request = ChargeRequest(
                vehicleId: record.id, energyKWh: record.energyKWh, maxPowerKW: record.maxPowerKW,
                departureMinutes: record.departure.map { ($0 - record.arrival) / 60 })
            return Arrival(
                time: record.arrival, id: record.id, request: request, substation: record.substationId.flatMap { substationIndex[$0] })
        }
        let time = nextTime
        let request = VehicleMix.standard.nextRequest(vehicleNumber: arrived, using: &traffic)
        nextTime = time + gap(at: time)
        return Arrival(time: time, id: "v\(arrived)", request: request, substation: nil)
    }

    private mutating func gap(at time: Double) -> Double {
        let factor = scenario.rushHour ? profile.factor(at: time - scenario.startHour * 3600) : 1
        let rate = scenario.arrivalsPerMinute * factor / 60
        return -log(1 - Double.random(in: 0..<1, using: &traffic)) / rate
    }
}

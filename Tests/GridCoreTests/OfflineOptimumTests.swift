import GridCore
import Testing

@Suite struct OfflineOptimumTests {
    static let noBaseLoad = BaseLoadCurve(capacityKW: 0, meanFraction: 0, seed: 1)

    static func limit(_ capacity: Double) -> OfflineOptimum.Limit {
        OfflineOptimum.Limit(capacityKW: capacity, baseLoad: noBaseLoad)
    }

    @Test func maximumFlowOfASmallGraph() {
        var graph = MaximumFlow(nodes: 4)
        graph.addEdge(from: 0, to: 1, capacity: 3)
        graph.addEdge(from: 0, to: 2, capacity: 2)
        graph.addEdge(from: 1, to: 2, capacity: 1)
        graph.addEdge(from: 1, to: 3, capacity: 2)
        graph.addEdge(from: 2, to: 3, capacity: 2.5)
        #expect(abs(graph.run(from: 0, to: 3) - 4.5) < 1e-12)
    }

    @Test func dhallsExampleIsFullyDeliverable() {
        let sessions = [(1.0, 7200.0), (1.0, 7200.0), (3.0, 10800.0)].map {
            OfflineOptimum.Session(arrival: 0, departure: $0.1, energyKWh: $0.0, powerKW: 1, substation: 0)
        }
        let energy = OfflineOptimum.energyKWh(sessions: sessions, limits: [Self.limit(2)], horizonEnd: 20_000)
        #expect(abs(energy! - 5) < 1e-9)
        // At 1.5 kW: 3 kWh in the first two hours, and only the long stay (1 kW) in the third.
        let tight = OfflineOptimum.energyKWh(sessions: sessions, limits: [Self.limit(1.5)], horizonEnd: 20_000)
        #expect(abs(tight! - 4) < 1e-9)
    }

    @Test func aCarCannotTakeMoreThanItsRateWhilePlugged() {
        // One hour at 6.6 kW: 6.6 of the 10 kWh asked for, however large the limit.
        let session = OfflineOptimum.Session(arrival: 0, departure: 3600, energyKWh: 10, powerKW: 6.6, substation: 0)
        #expect(abs(OfflineOptimum.energyKWh(sessions: [session], limits: [Self.limit(100)], horizonEnd: 9_000)! - 6.6) < 1e-9)
        // Staying until full: limited by the horizon only.
        var stays = session
        stays.departure = nil
        #expect(abs(OfflineOptimum.energyKWh(sessions: [stays], limits: [Self.limit(100)], horizonEnd: 9_000)! - 10) < 1e-9)
    }

    @Test func freeCarsMayUseAnySubstation() {
        // Two cars at once, 5 kW each for an hour; two 5 kW substations. Fixed to one: 5 kWh; free: 10.
        let fixed = (0..<2).map { _ in OfflineOptimum.Session(arrival: 0, departure: 3600, energyKWh: 5, powerKW: 5, substation: 0) }
        let free = fixed.map { session -> OfflineOptimum.Session in
            var copy = session
            copy.substation = nil
            return copy
        }
        let limits = [Self.limit(5), Self.limit(5)]
        #expect(abs(OfflineOptimum.energyKWh(sessions: fixed, limits: limits, horizonEnd: 3600)! - 5) < 1e-9)
        #expect(abs(OfflineOptimum.energyKWh(sessions: free, limits: limits, horizonEnd: 3600)! - 10) < 1e-9)
    }
}

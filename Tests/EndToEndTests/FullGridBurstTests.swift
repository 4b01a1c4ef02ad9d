import Foundation
import GridCore
import Testing

/// Rush hour into a grid that is already full: the balancer answers from its view instead of
/// calling every substation for every car (a retry storm against substations that are full).
@Suite(.serialized) struct FullGridBurstTests {
    @Test func aBurstIntoAFullGridCallsSubstationsAtMostOneAndAHalfTimesPerCar() async throws {
        // 4 substations, 20 points in all, 120 cars at once: 20 admitted, 100 refused.
        let plans: [TestGrid.SubstationPlan] = [
            .init(capacityKW: 250, points: 5), .init(capacityKW: 400, points: 5),
            .init(capacityKW: 400, points: 5), .init(capacityKW: 630, points: 5),
        ]
        let grid = try await TestGrid.start(plans)
        defer { grid.stop() }
        try await TestHTTP.withClient { http in
            let cars = 120
            let answers = try await burst(
                http, to: grid.chargeRequests, count: cars, concurrency: 24,
                body: { ["vehicleId": "EV-\($0)", "energyKWh": 40, "maxPowerKW": 22] })
            let statuses = Dictionary(grouping: answers, by: \.status).mapValues(\.count)
            #expect(statuses == [201: 20, 503: 100], "answers by status: \(statuses)")
            for refused in answers where refused.status == 503 {
                #expect(refused.contentType == "application/problem+json")
            }

            let metrics = try await http.metrics(of: grid.balancer.url)
            let routed = metrics.value(of: "balancer_route_duration_seconds_count") ?? 0
            #expect(Int(routed) == cars, "every car reached the balancer once: \(routed)")
            let calls = metrics.filter { $0.name == "balancer_substation_calls_total" }
            let total = calls.reduce(0) { $0 + $1.value }
            let admitted = calls.filter { $0.labels["outcome"] == "admitted" }.reduce(0) { $0 + $1.value }
            #expect(admitted == 20, "calls that admitted: \(admitted)")
            let perCar = total / Double(cars)
            print("burst of \(cars) into 20 points: \(Int(total)) substation calls, \(perCar) per car")
            #expect(perCar <= 1.5, "\(Int(total)) calls to substations for \(cars) cars")
            // The substations agree: they were asked about as often as the balancer says.
            let substationMetrics = try await grid.substationMetrics(http)
            let asked = substationMetrics.reduce(0.0) { sum, samples in
                sum + (samples.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) ?? 0)
                    + (samples.value(of: "substation_sessions_total", where: ["outcome": "rejected"]) ?? 0)
            }
            #expect(asked <= total, "substations counted \(asked) orders, the balancer \(total)")
            #expect(asked >= 20)
        }
    }
}

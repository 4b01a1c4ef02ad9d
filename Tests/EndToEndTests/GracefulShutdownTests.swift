import AsyncHTTPClient
import Foundation
import GridCore
import Testing

/// SIGTERM: stop accepting, answer what is in flight, flush, exit 0 within 10 s. Every service.
@Suite(.serialized) struct GracefulShutdownTests {
    enum Outcome: Sendable {
        case answered(Int)
        /// No answer: the connection was refused, or a kept-alive connection was closed as the
        /// request went out. Whether the gateway had taken such a request is judged below, by
        /// the substations' own count.
        case unanswered(String)
    }

    @Test func sigtermDuringABurstAnswersEveryRequestItTookAndExitsZero() async throws {
        let grid = try await TestGrid.start([.init(capacityKW: 400, points: 400), .init(capacityKW: 630, points: 400)])
        defer { grid.stop() }
        try await TestHTTP.withClient { http in
            let url = grid.chargeRequests
            let sent = Locked(0)
            let outcomes = await withTaskGroup(of: [Outcome].self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        var outcomes: [Outcome] = []
                        for index in 0..<40 {
                            sent.withLock { $0 += 1 }
                            do {
                                let answer = try await http.postJSON(
                                    url, ["vehicleId": "EV-\(worker)-\(index)", "energyKWh": 20, "maxPowerKW": 11])
                                outcomes.append(.answered(answer.status))
                            } catch {
                                outcomes.append(.unanswered(String(describing: error)))
                            }
                        }
                        return outcomes
                    }
                }
                group.addTask {
                    while sent.withLock({ $0 }) < 120 { try? await Task.sleep(for: .milliseconds(5)) }
                    grid.gateway.beginStop()
                    return []
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
            let exit = await grid.gateway.waitForExit(within: .seconds(10))
            #expect(exit?.status == 0, "gateway exit after SIGTERM: \(String(describing: exit))")
            let answered = outcomes.compactMap { if case .answered(let status) = $0 { status } else { nil } }
            #expect(answered.allSatisfy { $0 == 201 }, "statuses: \(Set(answered))")
            #expect(answered.count >= 100, "the stop came mid-burst: \(answered.count) answered")
            // Every booking the substations made was answered to its client: no request the
            // gateway took was cut off, and none is half done.
            let admitted = try await grid.substationMetrics(http).map {
                $0.value(of: "substation_sessions_total", where: ["outcome": "admitted"]) ?? -1
            }
            #expect(Int(admitted.reduce(0, +)) == answered.count, "admitted \(admitted), answered \(answered.count)")
            print(
                "graceful stop: \(answered.count) answered 201, \(outcomes.count - answered.count) not taken, exit \(String(describing: exit))"
            )
        }
        // The others stop as cleanly.
        for process in [grid.balancer] + grid.substationProcesses {
            process.beginStop()
            let exit = await process.waitForExit(within: .seconds(10))
            #expect(exit?.status == 0, "\(process.name) exit after SIGTERM: \(String(describing: exit))")
        }
    }
}

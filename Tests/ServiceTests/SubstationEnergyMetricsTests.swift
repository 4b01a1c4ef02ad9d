import Foundation
import GridCore
import GridHTTP
import Hummingbird
import HummingbirdTesting
import NIOCore
import Substation
import Synchronization
import Testing

/// What a substation exports about energy: delivered, asked for, and still owed to cars that
/// left before they were full.
@Suite struct SubstationEnergyMetricsTests {
    final class HandClock: SimulationClock {
        let seconds = Mutex(0.0)
        func simulatedSeconds() -> Double { seconds.withLock { $0 } }
        func epochSeconds() -> Double { 0 }
    }

    static func value(_ name: String, in exposition: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name + "{") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    @Test(arguments: PowerAllocation.allCases)
    func aCarThatLeavesUnfilledIsOwedTheRest(_ allocation: PowerAllocation) async throws {
        let clock = HandClock()
        // 11 kW for one car asking 20 kWh that leaves after an hour: 9 kWh short.
        let configuration = SubstationConfiguration(
            spec: SubstationSpec(id: "S1", capacityKW: 11, chargingPoints: 2, pointMaxKW: 50), baseLoadFraction: 0,
            allocation: allocation)
        let app = buildSubstationApplication(configuration, clock: clock)
        try await app.test(.router) { client in
            let body = ByteBuffer(string: #"{"id":"a","vehicleId":"EV-1","energyKWh":20,"maxPowerKW":22,"departureMinutes":60}"#)
            try await client.execute(uri: "/sessions", method: .post, headers: [.contentType: "application/json"], body: body) {
                #expect($0.status == .created)
            }
            clock.seconds.withLock { $0 = 7200 }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(Self.value("substation_energy_unmet_joules_total", in: text).map { abs($0 - 9 * 3_600_000) < 1 } == true, "\(text)")
                #expect(Self.value("substation_energy_requested_joules_total", in: text).map { abs($0 - 20 * 3_600_000) < 1 } == true)
                #expect(Self.value("substation_energy_delivered_joules_total", in: text).map { abs($0 - 11 * 3_600_000) < 1 } == true)
            }
        }
    }
}

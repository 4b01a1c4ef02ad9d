import Foundation
import GridCore
import Prometheus
import Testing

@testable import Gateway

/// The waiting list over the gateway's SQLite file: every way a wait ends is kept, and a car
/// ends exactly one way even when its admission and its cancellation cross.
@Suite struct WaitingListStoreTests {
    static let request = ChargeRequest(vehicleId: "EV-1", energyKWh: 20, maxPowerKW: 11)

    static func withList(_ body: (WaitingList, GatewayDatabase) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-line-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try await GatewayDatabase.open(folder: folder)
        let list = WaitingList(
            capacity: 10, store: database, directory: database, metrics: WaitingListMetrics(registry: PrometheusCollectorRegistry()))
        try await body(list, database)
        try await database.close()
    }

    static func entry(_ id: String, at time: Double) -> WaitingLine.Entry {
        WaitingLine.Entry(orderId: id, request: request, enqueuedAt: time, waitUntil: time + 60)
    }

    @Test func aWaitThatRunsOutIsKeptAsExpired() async throws {
        try await Self.withList { list, database in
            _ = try await list.enqueue(Self.entry("late", at: 1_000), retryAfterSeconds: 5)
            await list.expire(now: 1_059)
            #expect(list.count == 1)
            await list.expire(now: 1_060)
            #expect(list.count == 0)
            guard case .ended(.expired, _)? = try await list.place(of: "late") else {
                Issue.record("not expired: \("not ended")")
                return
            }
            let kept = try await database.waitingLine(endedLimit: 10)
            #expect(kept.waiting.isEmpty && kept.ended.map(\.0) == [.expired])
        }
    }

    /// The driver leaves while the car's order is being placed: the admission is refused (the
    /// caller then undoes the booking), and the car is kept as cancelled, not admitted.
    @Test func anAdmissionAfterACancellationIsRefused() async throws {
        try await Self.withList { list, database in
            let entry = Self.entry("crossed", at: 1_000)
            _ = try await list.enqueue(entry, retryAfterSeconds: 5)
            try await list.markPlacing("crossed", at: 1_000.5)
            #expect(try await list.cancel("crossed", now: 1_001) != nil)
            #expect(try await list.admit(entry, at: SessionLocation(substationId: "S1"), now: 1_002) == false)
            #expect(try await database.location(of: "crossed") == nil, "no booking recorded")
            #expect(try await database.waitingLine(endedLimit: 10).ended.map(\.0) == [.cancelled])
        }
    }

    /// Admitted: the booking is recorded with the car's exit from the line, in one step.
    @Test func anAdmissionRecordsTheBooking() async throws {
        try await Self.withList { list, database in
            let entry = Self.entry("lucky", at: 1_000)
            _ = try await list.enqueue(entry, retryAfterSeconds: 5)
            #expect(try await list.admit(entry, at: SessionLocation(substationId: "S2"), now: 1_010))
            #expect(try await database.location(of: "lucky") == SessionLocation(substationId: "S2"))
            #expect(try await list.cancel("lucky", now: 1_011) == nil, "an admitted car is no longer in line")
            let kept = try await database.waitingLine(endedLimit: 10)
            #expect(kept.ended.map(\.0) == [.admitted])
            #expect(kept.ended.first?.1.placing == false)
        }
    }

    /// An attempt marked in the file (with its start) survives a restart; a definite "no room" clears it.
    @Test func aPlacingMarkIsKeptAndCleared() async throws {
        try await Self.withList { list, database in
            _ = try await list.enqueue(Self.entry("tried", at: 1_000), retryAfterSeconds: 5)
            try await list.markPlacing("tried", at: 1_001)
            var kept = try await database.waitingLine(endedLimit: 10).waiting
            #expect(kept.first?.placing == true && kept.first?.placingSince == 1_001)
            try await list.clearPlacing("tried")
            kept = try await database.waitingLine(endedLimit: 10).waiting
            #expect(kept.first?.placing == false && kept.first?.placingSince == nil)
        }
    }
}

import Foundation
import Gateway
import GridStore
import NIOConcurrencyHelpers
import Synchronization
import Testing

/// Rows of many writers in one write, each writer back only once its row is written.
@Suite(.timeLimit(.minutes(1))) struct RowBatcherTests {
    /// A write that takes a few milliseconds and remembers what it wrote.
    final class SlowStore: Sendable {
        let written = Mutex<[[Int]]>([])
        let failing: Set<Int>

        init(failing: Set<Int> = []) {
            self.failing = failing
        }

        func write(_ rows: [Int]) async throws {
            try await Task.sleep(for: .milliseconds(5))
            if rows.contains(where: failing.contains) { throw WriteFailed() }
            written.withLock { $0.append(rows) }
        }

        var rowsWritten: [Int] { written.withLock { $0.flatMap { $0 } } }
    }

    struct WriteFailed: Error {}

    @Test func concurrentWritersShareWritesAndEachReturnsAfterItsRowIsWritten() async throws {
        let store = SlowStore()
        let batcher = RowBatcher<Int>(maxRows: 16) { try await store.write($0) }
        let returnedUnwritten = NIOLockedValueBox(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for row in 0..<200 {
                group.addTask {
                    try await batcher.add(row)
                    if !store.rowsWritten.contains(row) { returnedUnwritten.withLockedValue { $0 += 1 } }
                }
            }
            try await group.waitForAll()
        }
        #expect(store.rowsWritten.sorted() == Array(0..<200), "every row written once")
        #expect(returnedUnwritten.withLockedValue { $0 } == 0)
        #expect(batcher.writes == store.written.withLock { $0.count })
        #expect(batcher.writes < 100, "rows that came during a write shared the next one")
        #expect(store.written.withLock { $0.allSatisfy { $0.count <= 16 } }, "no write over maxRows")
    }

    @Test func aFailedWriteFailsEveryRowInItAndTheNextWritesGoOn() async throws {
        let store = SlowStore(failing: [7])
        let batcher = RowBatcher<Int> { try await store.write($0) }
        let failed = NIOLockedValueBox<[Int]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for row in 0..<40 {
                group.addTask {
                    do { try await batcher.add(row) } catch is WriteFailed { failed.withLockedValue { $0.append(row) } }
                }
            }
            try await group.waitForAll()
        }
        let failedRows = failed.withLockedValue { $0 }
        #expect(failedRows.contains(7))
        #expect(Set(failedRows).isDisjoint(with: store.rowsWritten), "a row is either written or its writer told")
        #expect((failedRows + store.rowsWritten).sorted() == Array(0..<40))
        try await batcher.add(100)
        #expect(store.rowsWritten.contains(100))
    }

    @Test func theGatewaysBookingsRecordedTogetherAreAllFound() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-batch-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try await GatewayDatabase.open(folder: folder)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 0..<300 {
                group.addTask { try await database.record("order-\(number)", at: SessionLocation(substationId: "S\(number % 4)")) }
            }
            try await group.waitForAll()
        }
        try await database.close()
        let reopened = try await GatewayDatabase.open(folder: folder)
        for number in [0, 1, 150, 299] {
            #expect(try await reopened.location(of: "order-\(number)") == SessionLocation(substationId: "S\(number % 4)"))
        }
        try await reopened.close()
    }
}

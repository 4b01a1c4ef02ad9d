import Foundation
import GridStore
import Testing

/// Group commit: writers queued behind each other share a COMMIT, yet each one's changes are kept
/// when it returns, and a writer that fails takes only its own changes with it.
@Suite struct SQLiteStoreGroupCommitTests {
    static func store() async throws -> (SQLiteStore, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("group-commit-\(UUID().uuidString)")
        let store = try await SQLiteStore.open(
            path: folder.appendingPathComponent("test.sqlite").path,
            migrations: [Migration(version: 1, ["CREATE TABLE bookings (id TEXT PRIMARY KEY, n INTEGER NOT NULL)"])])
        return (store, folder)
    }

    static func count(_ store: SQLiteStore) async throws -> Int {
        try await store.rows("SELECT count(*) AS c FROM bookings").first?.column("c")?.integer ?? -1
    }

    @Test func concurrentWritersAreAllKeptAndAFailingOneAlone() async throws {
        let (store, folder) = try await Self.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await store.execute("INSERT INTO bookings (id, n) VALUES ('taken', 0)")
        // 300 single statements, every tenth one a duplicate key, and 30 transactions of two rows
        // of which every third throws after its first row: all run at once and queue on the lock.
        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for index in 0..<300 {
                group.addTask {
                    let id = index % 10 == 0 ? "taken" : "single-\(index)"
                    do {
                        try await store.execute("INSERT INTO bookings (id, n) VALUES (?, ?)", [.text(id), .integer(index)])
                        return (id, true)
                    } catch {
                        return (id, false)
                    }
                }
            }
            struct Refused: Error {}
            for index in 0..<30 {
                group.addTask {
                    do {
                        try await store.transaction { transaction in
                            try await transaction.execute(
                                "INSERT INTO bookings (id, n) VALUES (?, ?)", [.text("pair-\(index)-a"), .integer(index)])
                            if index % 3 == 0 { throw Refused() }
                            try await transaction.execute(
                                "INSERT INTO bookings (id, n) VALUES (?, ?)", [.text("pair-\(index)-b"), .integer(index)])
                        }
                        return ("pair-\(index)", true)
                    } catch {
                        return ("pair-\(index)", false)
                    }
                }
            }
            var outcomes: [String: Bool] = [:]
            for await (id, kept) in group where id != "taken" { outcomes[id] = kept }
            for await _ in group {}
            return outcomes
        }
        let singles = outcomes.filter { $0.key.hasPrefix("single-") }
        #expect(singles.count == 270 && !singles.values.contains(false), "every distinct single insert was kept")
        #expect(outcomes.filter { $0.key.hasPrefix("pair-") }.filter { !$0.value }.count == 10, "every third transaction failed")
        // 270 distinct singles + the first row + 20 whole pairs; none of a failed pair's rows.
        let kept = try await Self.count(store)
        #expect(kept == 1 + 270 + 40)
        let halfPairs = try await store.rows("SELECT count(*) AS c FROM bookings WHERE id IN ('pair-0-a', 'pair-3-a', 'pair-27-a')")
        #expect(halfPairs.first?.column("c")?.integer == 0)
        try await store.close()

        // What each writer was told is what the file holds.
        let reopened = try await SQLiteStore.openAsItIs(path: folder.appendingPathComponent("test.sqlite").path)
        let keptInFile = try await Self.count(reopened)
        #expect(keptInFile == 1 + 270 + 40)
        try await reopened.close()
    }
}

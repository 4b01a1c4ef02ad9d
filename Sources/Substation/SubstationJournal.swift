import Foundation
import GridCore
import GridStore

/// A substation's sessions in one SQLite file, so that a restart does not forget who is
/// charging: one row per session (its latest state), the ids of orders withdrawn before they
/// arrived, and one row of totals with the simulated time they were taken at.
public final class SubstationJournal: Sendable {
    private let store: SQLiteStore

    /// What the counters and the simulated clock stood at.
    public struct Totals: Codable, Equatable, Sendable {
        public var counts: SessionOutcomeCounts
        public var energyDeliveredKWh: Double
        public var simulatedSeconds: Double
        /// Energy asked for by every session admitted, and still owed to those that departed
        /// unfilled (absent from journals written before they were kept).
        public var energyRequestedKWh: Double?
        public var energyUnmetKWh: Double?
    }

    /// What a restart resumes from.
    public struct Restored: Sendable {
        public var active: [ChargingSession]
        public var ended: [ChargingSession]
        public var totals: Totals?
        /// Orders withdrawn (DELETE) before any POST of them arrived, oldest first.
        public var withdrawn: [String] = []
    }

    /// Outcome counts are kept by triggers, in the same statement as the session row they count,
    /// so a crash can never leave a session and its count apart.
    static let migrations = [
        Migration(
            version: 1,
            [
                "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, status TEXT NOT NULL, body TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS totals (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), body TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS outcomes (outcome TEXT PRIMARY KEY, count INTEGER NOT NULL)",
                """
                CREATE TRIGGER IF NOT EXISTS count_admission AFTER INSERT ON sessions BEGIN
                  INSERT INTO outcomes (outcome, count) VALUES ('admitted', 1) ON CONFLICT(outcome) DO UPDATE SET count = count + 1;
                  INSERT INTO outcomes (outcome, count) SELECT NEW.status, 1 WHERE NEW.status != 'charging'
                    ON CONFLICT(outcome) DO UPDATE SET count = count + 1;
                END
                """,
                """
                CREATE TRIGGER IF NOT EXISTS count_ending AFTER UPDATE OF status ON sessions
                WHEN OLD.status = 'charging' AND NEW.status != 'charging' BEGIN
                  INSERT INTO outcomes (outcome, count) VALUES (NEW.status, 1) ON CONFLICT(outcome) DO UPDATE SET count = count + 1;
                END
                """,
            ]),
        Migration(version: 2, ["CREATE TABLE withdrawn_orders (id TEXT PRIMARY KEY)"]),
    ]

    /// An ended session is final: a late write of an earlier state (an admission's row landing
    /// after its undo's) never brings it back to charging.
    static func upsertSessions(count: Int) -> String {
        "INSERT INTO sessions (id, status, body) VALUES " + repeatElement("(?, ?, ?)", count: count).joined(separator: ", ")
            + " ON CONFLICT(id) DO UPDATE SET status = excluded.status, body = excluded.body WHERE sessions.status = 'charging'"
    }

    /// Sessions written by one statement: a checkpoint writes thousands of rows a second under
    /// load, and each statement costs a compilation and a trip to SQLite's thread.
    static let sessionsPerStatement = 100
    static let upsertSession = upsertSessions(count: 1)
    static let upsertFullBatch = upsertSessions(count: sessionsPerStatement)

    /// SQLite's page cache for the journal, in KiB (its default is 2,000): writes land on the
    /// newest rows' pages, so a small cache serves them, and it is memory the substation keeps
    /// once the file has grown.
    static let pageCacheKiB = 512

    /// Opens `substation-<id>.sqlite` in `folder`.
    public static func open(folder: String, substationId: String) async throws -> SubstationJournal {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("substation-\(substationId).sqlite").path
        do {
            let store = try await SQLiteStore.open(path: path, migrations: migrations)
            do {
                _ = try await store.rows("PRAGMA cache_size = -\(pageCacheKiB)")
            } catch {
                try? await store.close()
                throw error
            }
            return SubstationJournal(store: store)
        } catch {
            throw StoreOpeningError(path: path, underlying: error)
        }
    }

    private init(store: SQLiteStore) {
        self.store = store
    }

    /// Keeps each session's latest state, all in one transaction.
    public func record(_ sessions: [ChargingSession]) async throws {
        if sessions.count == 1 {
            try await store.execute(Self.upsertSession, try Self.binds(sessions[...]))  // one statement: no savepoint needed
            return
        }
        try await store.transaction { transaction in try await Self.upsert(sessions, in: transaction) }
    }

    /// A checkpoint: every session's progress and the totals, in one transaction.
    public func checkpoint(_ sessions: [ChargingSession], totals: Totals) async throws {
        let totalsBody = String(decoding: try JSONEncoder().encode(totals), as: UTF8.self)
        try await store.transaction { transaction in
            try await Self.upsert(sessions, in: transaction)
            try await transaction.execute("INSERT OR REPLACE INTO totals (singleton, body) VALUES (1, ?)", [.text(totalsBody)])
        }
    }

    /// An order withdrawn before it arrived: a later POST with its id is refused, even after a restart.
    public func recordWithdrawal(of id: String) async throws {
        try await store.execute("INSERT OR IGNORE INTO withdrawn_orders (id) VALUES (?)", [.text(id)])
    }

    /// Upserts `sessions`, up to `sessionsPerStatement` per statement, each batch encoded just
    /// before it is written (a checkpoint's thousands of rows are never all in memory at once).
    private static func upsert(_ sessions: [ChargingSession], in transaction: SQLiteStore.Transaction) async throws {
        var start = 0
        while start < sessions.count {
            let end = min(start + sessionsPerStatement, sessions.count)
            let sql = end - start == sessionsPerStatement ? upsertFullBatch : upsertSessions(count: end - start)
            try await transaction.execute(sql, try binds(sessions[start..<end]))
            start = end
        }
    }

    /// Id, status and JSON body of each session, in a row, for `upsertSessions`.
    private static func binds(_ sessions: ArraySlice<ChargingSession>) throws -> [SQLiteData] {
        let encoder = JSONEncoder()
        var binds: [SQLiteData] = []
        binds.reserveCapacity(sessions.count * 3)
        for session in sessions {
            binds += [.text(session.id), .text(session.status.rawValue), .text(String(decoding: try encoder.encode(session), as: UTF8.self))]
        }
        return binds
    }

    /// Everything kept, keeping at most `endedLimit` ended sessions and withdrawn ids (the
    /// newest; older rows go). A row that cannot be read stops the restore with its id.
    public func restore(endedLimit: Int) async throws -> Restored {
        try await store.execute(
            """
            DELETE FROM sessions WHERE status != 'charging' AND rowid NOT IN
              (SELECT rowid FROM sessions WHERE status != 'charging' ORDER BY rowid DESC LIMIT ?)
            """, [.integer(endedLimit)])
        try await store.execute(
            "DELETE FROM withdrawn_orders WHERE rowid NOT IN (SELECT rowid FROM withdrawn_orders ORDER BY rowid DESC LIMIT ?)",
            [.integer(endedLimit)])
        let decoder = JSONDecoder()
        func sessions(_ sql: String) async throws -> [ChargingSession] {
            try await store.rows(sql).map { row in
                let id = row.column("id")?.string ?? "?"
                guard let body = row.column("body")?.string else {
                    throw UnreadableRowError(table: "sessions", key: id, reason: "no body")
                }
                do {
                    return try decoder.decode(ChargingSession.self, from: Data(body.utf8))
                } catch {
                    throw UnreadableRowError(table: "sessions", key: id, reason: "\(error)")
                }
            }
        }
        let active = try await sessions("SELECT id, body FROM sessions WHERE status = 'charging'")
        let ended = try await sessions("SELECT id, body FROM sessions WHERE status != 'charging' ORDER BY rowid")
        var totals: Totals?
        if let body = try await store.rows("SELECT body FROM totals").first?.column("body")?.string {
            do {
                totals = try decoder.decode(Totals.self, from: Data(body.utf8))
            } catch {
                throw UnreadableRowError(table: "totals", key: "1", reason: "\(error)")
            }
        }
        // The triggers' counts are the ones kept with the sessions; the totals row is up to a second older.
        var counted: [String: Int] = [:]
        for row in try await store.rows("SELECT outcome, count FROM outcomes") {
            guard let outcome = row.column("outcome")?.string, let count = row.column("count")?.integer else {
                throw UnreadableRowError(table: "outcomes", key: row.column("outcome")?.string ?? "?", reason: "not an outcome and a count")
            }
            counted[outcome] = count
        }
        if !counted.isEmpty {
            var counts = totals?.counts ?? SessionOutcomeCounts()
            counts.admitted = counted["admitted", default: 0]
            counts.completed = counted["completed", default: 0]
            counts.departed = counted["departed", default: 0]
            counts.cancelled = counted["cancelled", default: 0]
            totals = Totals(
                counts: counts, energyDeliveredKWh: totals?.energyDeliveredKWh ?? 0,
                simulatedSeconds: totals?.simulatedSeconds ?? (active + ended).map(\.startedAtSimulatedSeconds).max() ?? 0,
                energyRequestedKWh: totals?.energyRequestedKWh, energyUnmetKWh: totals?.energyUnmetKWh)
        }
        let withdrawn = try await store.rows("SELECT id FROM withdrawn_orders ORDER BY rowid").compactMap { $0.column("id")?.string }
        return Restored(active: active, ended: ended, totals: totals, withdrawn: withdrawn)
    }

    public func close() async throws {
        try await store.close()
    }
}

import Foundation
import GridCore
import GridStore
import HTTPTypes
import NIOCore

/// The gateway's durable memory in one SQLite file: which substation holds every answered charge
/// request, the order id each `Idempotency-Key` is bound to, and the final answers to them.
public final class GatewayDatabase: SessionDirectory, IdempotencyArchive, WaitingListStore {
    private let store: SQLiteStore

    static let migrations = [
        Migration(
            version: 1,
            [
                """
                CREATE TABLE IF NOT EXISTS sessions (
                    id TEXT PRIMARY KEY, substation_id TEXT NOT NULL, substation_url TEXT NOT NULL, recorded_at REAL NOT NULL)
                """,
                """
                CREATE TABLE IF NOT EXISTS idempotency_answers (
                    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, headers TEXT NOT NULL,
                    body BLOB NOT NULL, answered_at REAL NOT NULL)
                """,
            ]),
        // Sessions are found by their substation's id, not its address; keys are bound to order ids.
        Migration(
            version: 2,
            [
                "ALTER TABLE sessions DROP COLUMN substation_url",
                """
                CREATE TABLE idempotency_orders (
                    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, order_id TEXT NOT NULL, since REAL NOT NULL)
                """,
            ]),
        // The waiting list: one row per car, in the order it joined; state waiting, admitted, expired or cancelled.
        Migration(
            version: 3,
            [
                """
                CREATE TABLE waiting_list (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL UNIQUE, state TEXT NOT NULL, entry TEXT NOT NULL)
                """
            ]),
    ]

    /// Opens `gateway.sqlite` in `folder`.
    public static func open(folder: String) async throws -> GatewayDatabase {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("gateway.sqlite").path
        do {
            return GatewayDatabase(store: try await SQLiteStore.open(path: path, migrations: migrations))
        } catch {
            throw StoreOpeningError(path: path, underlying: error)
        }
    }

    private init(store: SQLiteStore) {
        self.store = store
        self.locations = RowBatcher { rows in try await Self.insert(rows, into: store) }
    }

    /// Where a booked session lives, as one row of `sessions`.
    struct LocationRow: Sendable {
        var id: String
        var substationId: String
        var recordedAt: Double
    }

    /// Bookings recorded together share one statement.
    private let locations: RowBatcher<LocationRow>

    private static func insert(_ rows: [LocationRow], into store: SQLiteStore) async throws {
        let values = Array(repeating: "(?, ?, ?)", count: rows.count).joined(separator: ", ")
        // One statement for the whole batch, committed as it ends: no group commit to join.
        try await store.executeAlone(
            "INSERT OR REPLACE INTO sessions (id, substation_id, recorded_at) VALUES \(values)",
            rows.flatMap { [SQLiteData.text($0.id), .text($0.substationId), .float($0.recordedAt)] })
    }

    public func record(_ id: String, at location: SessionLocation) async throws {
        try await locations.add(LocationRow(id: id, substationId: location.substationId, recordedAt: Date().timeIntervalSince1970))
    }

    public func location(of id: String) async throws -> SessionLocation? {
        guard let row = try await store.rows("SELECT substation_id FROM sessions WHERE id = ?", [.text(id)]).first else { return nil }
        guard let substationId = row.column("substation_id")?.string else {
            throw UnreadableRowError(table: "sessions", key: id, reason: "no substation_id")
        }
        return SessionLocation(substationId: substationId)
    }

    public func bind(_ order: BoundOrder) async throws {
        try await store.execute(
            "INSERT OR REPLACE INTO idempotency_orders (key, fingerprint, order_id, since) VALUES (?, ?, ?, ?)",
            [.text(order.key), .text(order.fingerprint), .text(order.orderId), .float(order.since)])
    }

    public func unbind(key: String, orderId: String) async throws {
        try await store.execute("DELETE FROM idempotency_orders WHERE key = ? AND order_id = ?", [.text(key), .text(orderId)])
    }

    public func keep(_ answer: ArchivedAnswer) async throws {
        let headers = try JSONEncoder().encode(answer.headers.map { [$0.name, $0.value] })
        try await store.transaction { transaction in
            try await transaction.execute(
                """
                INSERT OR REPLACE INTO idempotency_answers (key, fingerprint, status, headers, body, answered_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(answer.key), .text(answer.fingerprint), .integer(answer.status),
                    .text(String(decoding: headers, as: UTF8.self)), .blob(ByteBuffer(bytes: answer.body)), .float(answer.answeredAt),
                ])
            try await transaction.execute("DELETE FROM idempotency_orders WHERE key = ?", [.text(answer.key)])
        }
    }

    public func answers(since time: Double) async throws -> [ArchivedAnswer] {
        try await store.execute("DELETE FROM idempotency_answers WHERE answered_at < ?", [.float(time)])
        let rows = try await store.rows(
            "SELECT key, fingerprint, status, headers, body, answered_at FROM idempotency_answers ORDER BY answered_at")
        return try rows.map { row in
            let key = row.column("key")?.string ?? "?"
            guard let fingerprint = row.column("fingerprint")?.string, let status = row.column("status")?.integer,
                let headerText = row.column("headers")?.string, case .blob(let body)? = row.column("body"),
                let answeredAt = row.column("answered_at")?.double
            else { throw UnreadableRowError(table: "idempotency_answers", key: key, reason: "a column is missing or of another type") }
            let pairs: [[String]]
            do {
                pairs = try JSONDecoder().decode([[String]].self, from: Data(headerText.utf8))
            } catch {
                throw UnreadableRowError(table: "idempotency_answers", key: key, reason: "headers: \(error)")
            }
            guard pairs.allSatisfy({ $0.count == 2 }) else {
                throw UnreadableRowError(table: "idempotency_answers", key: key, reason: "headers are not name-value pairs")
            }
            return ArchivedAnswer(
                key: key, fingerprint: fingerprint, status: status, headers: pairs.map { (name: $0[0], value: $0[1]) },
                body: Array(body.readableBytesView), answeredAt: answeredAt)
        }
    }

    public func boundOrders(since time: Double) async throws -> [BoundOrder] {
        try await store.execute("DELETE FROM idempotency_orders WHERE since < ?", [.float(time)])
        return try await store.rows("SELECT key, fingerprint, order_id, since FROM idempotency_orders ORDER BY since").map { row in
            guard let key = row.column("key")?.string, let fingerprint = row.column("fingerprint")?.string,
                let orderId = row.column("order_id")?.string, let since = row.column("since")?.double
            else {
                throw UnreadableRowError(
                    table: "idempotency_orders", key: row.column("key")?.string ?? "?", reason: "a column is missing or of another type")
            }
            return BoundOrder(key: key, fingerprint: fingerprint, orderId: orderId, since: since)
        }
    }

    public func enqueue(_ entry: WaitingLine.Entry) async throws {
        try await store.execute(
            "INSERT INTO waiting_list (order_id, state, entry) VALUES (?, 'waiting', ?)",
            [.text(entry.orderId), .text(String(decoding: try JSONEncoder().encode(entry), as: UTF8.self))])
    }

    public func markPlacing(_ orderId: String, since: Double?) async throws {
        try await store.execute(
            """
            UPDATE waiting_list SET entry = json_set(entry, '$.placing', json(?), '$.placingSince', ?)
            WHERE order_id = ? AND state = 'waiting'
            """,
            [.text(since == nil ? "false" : "true"), since.map { .float($0) } ?? .null, .text(orderId)])
    }

    public func end(_ orderId: String, as ending: WaitingLine.Ending, bookedAt location: SessionLocation?) async throws -> Bool {
        try await store.transaction { transaction in
            try await transaction.execute(
                "UPDATE waiting_list SET state = ? WHERE order_id = ? AND state = 'waiting'", [.text(ending.rawValue), .text(orderId)])
            guard try await transaction.rows("SELECT changes() AS changed").first?.column("changed")?.integer == 1 else { return false }
            if let location {
                try await transaction.execute(
                    "INSERT OR REPLACE INTO sessions (id, substation_id, recorded_at) VALUES (?, ?, ?)",
                    [.text(orderId), .text(location.substationId), .float(Date().timeIntervalSince1970)])
            }
            return true
        }
    }

    public func waitingLine(endedLimit: Int) async throws -> (
        waiting: [WaitingLine.Entry], ended: [(WaitingLine.Ending, WaitingLine.Entry)]
    ) {
        try await store.execute(
            "DELETE FROM waiting_list WHERE state != 'waiting' AND seq NOT IN (SELECT seq FROM waiting_list WHERE state != 'waiting' ORDER BY seq DESC LIMIT ?)",
            [.integer(endedLimit)])
        var waiting: [WaitingLine.Entry] = []
        var ended: [(WaitingLine.Ending, WaitingLine.Entry)] = []
        for row in try await store.rows("SELECT order_id, state, entry FROM waiting_list ORDER BY seq") {
            let id = row.column("order_id")?.string ?? "?"
            guard let state = row.column("state")?.string, let text = row.column("entry")?.string else {
                throw UnreadableRowError(table: "waiting_list", key: id, reason: "no state or entry")
            }
            let entry: WaitingLine.Entry
            do {
                entry = try JSONDecoder().decode(WaitingLine.Entry.self, from: Data(text.utf8))
            } catch {
                throw UnreadableRowError(table: "waiting_list", key: id, reason: "\(error)")
            }
            if state == "waiting" {
                waiting.append(entry)
            } else if let ending = WaitingLine.Ending(rawValue: state) {
                ended.append((ending, entry))
            } else {
                throw UnreadableRowError(table: "waiting_list", key: id, reason: "unknown state \(state)")
            }
        }
        return (waiting, ended)
    }

    public func close() async throws {
        try await store.close()
    }
}

import Foundation
import GridStore
import HTTPTypes
import NIOCore

/// The gateway's durable memory in one SQLite file: where every answered charge request lives,
/// and the final answers to requests that carried an `Idempotency-Key`.
public final class GatewayDatabase: SessionDirectory, IdempotencyArchive {
    private let store: SQLiteStore

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY, substation_id TEXT NOT NULL, substation_url TEXT NOT NULL, recorded_at REAL NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS idempotency_answers (
            key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, headers TEXT NOT NULL,
            body BLOB NOT NULL, answered_at REAL NOT NULL)
        """,
    ]

    /// Opens `gateway.sqlite` in `folder`.
    public static func open(folder: String) async throws -> GatewayDatabase {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("gateway.sqlite").path
        do {
            return GatewayDatabase(store: try await SQLiteStore.open(path: path, schema: schema))
        } catch {
            throw StoreOpeningError(path: path, underlying: error)
        }
    }

    private init(store: SQLiteStore) {
        self.store = store
    }

    public func record(_ id: String, at location: SessionLocation) async throws {
        try await store.execute(
            "INSERT OR REPLACE INTO sessions (id, substation_id, substation_url, recorded_at) VALUES (?, ?, ?, ?)",
            [.text(id), .text(location.substationId), .text(location.substationURL), .float(Date().timeIntervalSince1970)])
    }

    public func location(of id: String) async throws -> SessionLocation? {
        let rows = try await store.rows("SELECT substation_id, substation_url FROM sessions WHERE id = ?", [.text(id)])
        guard let row = rows.first, let substationId = row.column("substation_id")?.string,
            let substationURL = row.column("substation_url")?.string
        else { return nil }
        return SessionLocation(substationId: substationId, substationURL: substationURL)
    }

    public func keep(_ answer: ArchivedAnswer) async throws {
        let headers = try JSONEncoder().encode(answer.headers.map { [$0.name, $0.value] })
        try await store.execute(
            """
            INSERT OR REPLACE INTO idempotency_answers (key, fingerprint, status, headers, body, answered_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [
                .text(answer.key), .text(answer.fingerprint), .integer(answer.status), .text(String(decoding: headers, as: UTF8.self)),
                .blob(ByteBuffer(bytes: answer.body)), .float(answer.answeredAt),
            ])
    }

    public func answers(since time: Double) async throws -> [ArchivedAnswer] {
        try await store.execute("DELETE FROM idempotency_answers WHERE answered_at < ?", [.float(time)])
        let rows = try await store.rows(
            "SELECT key, fingerprint, status, headers, body, answered_at FROM idempotency_answers ORDER BY answered_at")
        return rows.compactMap { row in
            guard let key = row.column("key")?.string, let fingerprint = row.column("fingerprint")?.string,
                let status = row.column("status")?.integer, let headerText = row.column("headers")?.string,
                let pairs = try? JSONDecoder().decode([[String]].self, from: Data(headerText.utf8)),
                case .blob(let body)? = row.column("body"), let answeredAt = row.column("answered_at")?.double
            else { return nil }
            let headers = pairs.compactMap { pair in pair.count == 2 ? (name: pair[0], value: pair[1]) : nil }
            return ArchivedAnswer(
                key: key, fingerprint: fingerprint, status: status, headers: headers, body: Array(body.readableBytesView),
                answeredAt: answeredAt)
        }
    }

    public func close() async throws {
        try await store.close()
    }
}

import GridStore
import Logging
import PostgresNIO

extension PostgresGatewayDatabase {
    /// The advisory lock every migration step takes, so gateways starting at once migrate one at a time.
    static let migrationLock = 0x5347_5f4d_4947  // "SG_MIG"
    /// The advisory lock that serializes joining the waiting line (its capacity holds across gateways).
    static let waitingListLock = 0x5347_5f57_4149  // "SG_WAI"

    /// The schema, step by step; the versions applied are rows of `schema_migrations`. Steps are
    /// never edited once released: a change is a new step.
    static let migrations = [
        Migration(
            version: 1,
            [
                """
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY, substation_id TEXT NOT NULL, recorded_at DOUBLE PRECISION NOT NULL)
                """,
                // One row per key: bound to its order until answered, then its final answer.
                """
                CREATE TABLE idempotency_keys (
                    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, order_id TEXT NOT NULL, since DOUBLE PRECISION NOT NULL,
                    status INTEGER, headers TEXT, body BYTEA, answered_at DOUBLE PRECISION)
                """,
                """
                CREATE TABLE waiting_list (
                    seq BIGSERIAL PRIMARY KEY, order_id TEXT NOT NULL UNIQUE, state TEXT NOT NULL, entry TEXT NOT NULL,
                    wait_until DOUBLE PRECISION NOT NULL, attempted BOOLEAN NOT NULL DEFAULT false, lease_until DOUBLE PRECISION)
                """,
                "CREATE INDEX waiting_list_waiting ON waiting_list (seq) WHERE state = 'waiting'",
            ])
    ]

    /// Why `--database` cannot be used, in one line naming the setting.
    public struct OpeningError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Applies the steps this database lacks, each in its own transaction under the advisory lock.
    static func migrate(_ url: DatabaseURL, connectTimeout: Duration, logger: Logger) async throws {
        var settings = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable)
        settings.options.connectTimeout = .nanoseconds(connectTimeout.nanoseconds)
        let configuration = settings
        let connection: PostgresConnection
        do {
            connection = try await withDeadline(connectTimeout) {
                try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            }
        } catch {
            throw OpeningError(description: "--database: cannot connect to \(url): \(reason(error))")
        }
        let latest = migrations.map(\.version).max() ?? 0
        do {
            for migration in migrations.sorted(by: { $0.version < $1.version }) {
                try await withDeadline(connectTimeout * 4) {
                    try await connection.withTransaction(logger: logger) { connection in
                        try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
                        try await connection.query(
                            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                            logger: logger)
                        let current =
                            try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger)
                            .collect().first?.decode(Int.self) ?? 0
                        guard current <= latest else {
                            throw OpeningError(description: "schema version \(current) is newer than this program knows (\(latest))")
                        }
                        guard current < migration.version else { return }
                        for statement in migration.statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                        try await connection.query("INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                    }
                }
            }
        } catch {
            try? await connection.close()
            throw OpeningError(description: "--database: cannot bring \(url) up to schema version \(latest): \(reason(error))")
        }
        try? await connection.close()
    }

    /// An error in one line, without the generic text PSQLError shows to hide details.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(underlying)" }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.rollbackError, error.commitError].compactMap { $0 }.first.map(reason)
                ?? "transaction failed"
        }
        return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

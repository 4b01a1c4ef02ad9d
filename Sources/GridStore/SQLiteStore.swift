import Foundation
import Logging
import SQLiteNIO

@_exported import enum SQLiteNIO.SQLiteData
@_exported import struct SQLiteNIO.SQLiteRow

/// One embedded SQLite database file in write-ahead-log mode: what a service keeps across a
/// crash. A commit is in the file (through the WAL) before the call returns, so a `kill -9` right
/// after loses nothing; `synchronous=NORMAL` leaves only a power cut able to undo the last commits.
///
/// Every statement runs alone, or inside `transaction`, which nothing else interleaves with.
public final class SQLiteStore: Sendable {
    private let connection: SQLiteConnection
    private let lock = AsyncSerialLock()
    public let path: String

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.path = path
    }

    /// Opens (or creates) the database at `path`, creating its folder, and brings its schema up
    /// to the last of `migrations`. A file written by a newer program (a higher version) is refused.
    public static func open(path: String, migrations: [Migration]) async throws -> SQLiteStore {
        try await open(path: path, migratingTo: migrations)
    }

    /// Opens the database at `path` as it is, whatever its schema version: for tools and tests that read it.
    public static func openAsItIs(path: String) async throws -> SQLiteStore {
        try await open(path: path, migratingTo: nil)
    }

    private static func open(path: String, migratingTo migrations: [Migration]?) async throws -> SQLiteStore {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var logger = Logger(label: "smartgrid.sqlite")
        logger.logLevel = .warning
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let store = SQLiteStore(connection: connection, path: path)
        do {
            _ = try await store.rows("PRAGMA journal_mode=WAL")
            try await store.execute("PRAGMA synchronous=NORMAL")
            try await store.execute("PRAGMA busy_timeout=5000")
            if let migrations { try await store.migrate(to: migrations) }
        } catch {
            try? await connection.close()
            throw error
        }
        return store
    }

    /// The schema version the file is at (`user_version`).
    public func schemaVersion() async throws -> Int {
        try await rows("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
    }

    private func migrate(to migrations: [Migration]) async throws {
        let current = try await schemaVersion()
        let latest = migrations.map(\.version).max() ?? 0
        guard current <= latest else {
            throw MigrationError(description: "schema version \(current) is newer than this program knows (\(latest))")
        }
        for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > current {
            try await transaction { transaction in
                for statement in migration.statements { try await transaction.execute(statement) }
                try await transaction.execute("PRAGMA user_version = \(migration.version)")
            }
        }
    }

    public func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        try await lock.withLock { _ = try await connection.query(sql, binds) }
    }

    public func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await lock.withLock { try await connection.query(sql, binds) }
    }

    /// Runs `body`'s statements as one transaction: all of them are kept, or none.
    public func transaction<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T {
        try await lock.withLock {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(Transaction(connection: connection))
                _ = try await connection.query("COMMIT")
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    /// The statements of one transaction (valid only inside `transaction`'s body).
    public struct Transaction: Sendable {
        let connection: SQLiteConnection

        public func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
            _ = try await connection.query(sql, binds)
        }

        public func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
            try await connection.query(sql, binds)
        }
    }

    public func close() async throws {
        try await lock.withLock { try await connection.close() }
    }
}

/// Why a data folder cannot be used, in one line for the command line.
public struct StoreOpeningError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, underlying: any Error) {
        self.path = path
        self.reason = String(describing: underlying)
    }

    public var description: String { "cannot open the database \(path): \(reason)" }
}

/// A row the program wrote but can no longer read: the file is damaged or from another program.
/// Restoring stops here rather than silently forgetting what the row held.
public struct UnreadableRowError: Error, CustomStringConvertible {
    public let table: String
    public let key: String
    public let reason: String

    public init(table: String, key: String, reason: String) {
        self.table = table
        self.key = key
        self.reason = reason
    }

    public var description: String { "row \(key) of table \(table) cannot be read: \(reason)" }
}

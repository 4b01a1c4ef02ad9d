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
/// Writers that queue up behind each other share one COMMIT (group commit): each still returns
/// only once that COMMIT has its changes in the file, and pays one write of the log per group.
public final class SQLiteStore: Sendable {
    private let connection: SQLiteConnection
    private let lock = CommitGroupLock()
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
            _ = try await store.rows("PRAGMA synchronous=NORMAL")
            _ = try await store.rows("PRAGMA busy_timeout=5000")
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

    /// Runs one statement as a transaction of its own (it joins a group commit).
    public func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        try await write(savepoint: false) { transaction in try await transaction.execute(sql, binds) }
    }

    /// Runs one statement as its own transaction, outside any group commit: SQLite commits it as
    /// it ends, so it costs one trip to the database thread instead of three (BEGIN, the
    /// statement, COMMIT). For a writer that gathers its rows itself (`RowBatcher`).
    public func executeAlone(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await rows(sql, binds)
    }

    /// Runs a statement outside any transaction (reads, pragmas).
    public func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        await lock.acquire(.alone)
        defer { lock.release() }
        return try await connection.query(sql, binds)
    }

    /// Runs `body`'s statements as one transaction: all of them are kept, or none. It returns
    /// once they are committed, perhaps in one COMMIT with other transactions queued behind it.
    public func transaction<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T {
        try await write(savepoint: true, body)
    }

    /// One member of a group commit. Its statements run inside the group's database transaction,
    /// under a savepoint when there may be several, so that its failure undoes only its own; a
    /// single statement that fails is undone by SQLite itself. Should undoing fail (or SQLite
    /// end the transaction), or the COMMIT, the whole group is rolled back and every member told.
    private func write<T: Sendable>(savepoint: Bool, _ body: (Transaction) async throws -> T) async throws -> T {
        await lock.acquire(.transaction)
        if !lock.isGroupOpen {
            do {
                _ = try await connection.query("BEGIN IMMEDIATE")
            } catch {
                lock.release()
                throw error
            }
            lock.groupOpened()
        }
        let outcome: Result<T, any Error>
        do {
            if savepoint { _ = try await connection.query("SAVEPOINT member") }
            do {
                outcome = .success(try await body(Transaction(connection: connection)))
            } catch {
                outcome = .failure(error)
            }
            if savepoint {
                if case .failure = outcome { _ = try await connection.query("ROLLBACK TO member") }
                _ = try await connection.query("RELEASE member")
            } else if case .failure(let error) = outcome, !Self.undoesOnlyTheStatement(error) {
                throw error  // SQLite may have rolled the whole transaction back: undo the group
            }
        } catch {
            _ = try? await connection.query("ROLLBACK")
            lock.finishGroup(.failure(CommitGroupLock.GroupFailure(description: "a transaction of the group failed: \(error)")))
            throw error
        }
        switch await lock.finishedTransaction() {
        case .joined(.success):
            return try outcome.get()
        case .joined(.failure(let failure)):
            _ = try outcome.get()
            throw failure
        case .commit:
            do {
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                lock.finishGroup(.failure(CommitGroupLock.GroupFailure(description: "COMMIT failed: \(error)")))
                throw error
            }
            lock.finishGroup(.success(()))
            return try outcome.get()
        }
    }

    /// A failed statement that SQLite undid by itself, leaving the transaction around it open
    /// (constraint violations, SQL errors); errors of the file, memory or locks may end the
    /// transaction instead.
    static func undoesOnlyTheStatement(_ error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        switch error.reason {
        case .error, .mismatch, .misuse, .range, .tooBig, .constraint, .constraintCheckFailed, .constraintForeignKeyFailed,
            .constraintNotNullFailed, .constraintPrimaryKeyFailed, .constraintTriggerFailed, .constraintUniqueFailed,
            .constraintUniqueRowIDFailed, .constraintStrictDataTypeFailed:
            return true
        default:
            return false
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
        await lock.acquire(.alone)
        defer { lock.release() }
        try await connection.close()
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

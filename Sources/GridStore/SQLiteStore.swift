import Foundation
import Logging
import SQLiteNIO

@_exported import enum SQLiteNIO.SQLiteData
@_exported import struct SQLiteNIO.SQLiteRow

/// One embedded SQLite database file in write-ahead-log mode: what a service keeps across a
/// crash. A commit is in the file (through the WAL) before the call returns, so a `kill -9` right
/// after loses nothing; `synchronous=NORMAL` leaves only a power cut able to undo the last commits.
public final class SQLiteStore: Sendable {
    private let connection: SQLiteConnection
    public let path: String

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.path = path
    }

    /// Opens (or creates) the database at `path`, creating its folder, and applies `schema`
    /// (statements that must be safe to repeat, such as `CREATE TABLE IF NOT EXISTS`).
    public static func open(path: String, schema: [String]) async throws -> SQLiteStore {
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
            for statement in schema { try await store.execute(statement) }
        } catch {
            try? await connection.close()
            throw error
        }
        return store
    }

    public func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await connection.query(sql, binds)
    }

    public func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await connection.query(sql, binds)
    }

    public func close() async throws {
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

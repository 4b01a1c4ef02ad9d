/// One step of a database's schema, applied once, in order, inside a transaction; the version
/// reached is kept in SQLite's `user_version`. Steps are never edited once released: a change
/// is a new step.
public struct Migration: Sendable {
    /// 1, 2, 3 ...: the `user_version` after this step.
    public let version: Int
    public let statements: [String]

    public init(version: Int, _ statements: [String]) {
        self.version = version
        self.statements = statements
    }
}

/// Why a database file cannot be used with this program.
public struct MigrationError: Error, CustomStringConvertible {
    public let description: String
}

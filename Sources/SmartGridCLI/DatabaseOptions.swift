import ArgumentParser
import Foundation
import Gateway

/// Where the gateway keeps what several gateways share: a PostgreSQL database, when given.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "PostgreSQL shared by every gateway: postgres://user:password@host:port/db (or env SMARTGRID_DATABASE_URL); without it, SQLite under --data-dir.",
            valueName: "url"))
    var database: String?

    /// The URL given, from the flag or else the environment; nil for none. Parsed in `run` (not
    /// `validate`) so a bad URL exits 1 with its one-line reason, like a database that cannot be reached.
    func url() throws -> DatabaseURL? {
        guard let text = database ?? ProcessInfo.processInfo.environment["SMARTGRID_DATABASE_URL"], !text.isEmpty else { return nil }
        return try DatabaseURL(parsing: text)
    }
}

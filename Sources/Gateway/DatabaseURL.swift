import Foundation

/// A PostgreSQL address as given to `--database`: `postgres://user:password@host:port/db`
/// (`postgresql://` too; the port defaults to 5432, user and password may be percent-encoded).
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String

    /// Why a text is not a database URL, in one line.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    public init(parsing text: String) throws(Invalid) {
        let example = "postgres://user:password@host:5432/database"
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme.lowercased())
        else { throw Invalid(description: "--database must be a URL such as \(example)") }
        guard let host = components.host, !host.isEmpty else { throw Invalid(description: "--database names no host (\(example))") }
        guard let user = components.user, !user.isEmpty else { throw Invalid(description: "--database names no user (\(example))") }
        let name = String(components.path.drop { $0 == "/" })
        guard !name.isEmpty, !name.contains("/") else { throw Invalid(description: "--database names no database (\(example))") }
        if let port = components.port, !(1...65_535).contains(port) {
            throw Invalid(description: "--database port must be 1-65535")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        self.username = components.user ?? user
        self.password = components.password
        self.database = components.path.removingPercentEncoding.map { String($0.drop { $0 == "/" }) } ?? name
    }

    /// The URL without its password, for logs and error messages.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }
}

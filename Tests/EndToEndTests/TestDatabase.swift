import Foundation
import Testing

/// The private PostgreSQL that `scripts/test.sh` starts (`SMARTGRID_TEST_DATABASE_URL`): each
/// test gets a database of its own, so no test sees another's rows.
enum TestDatabase {
    static let environment = ProcessInfo.processInfo.environment
    static var serverURL: String? { environment["SMARTGRID_TEST_DATABASE_URL"] }
    /// Runs the shared-database tests: with a server, or under CI=true, where a missing server fails them.
    static var enabled: Bool { serverURL != nil || environment["CI"] == "true" }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// A new, empty database on the test server; its URL.
    static func create() throws -> String {
        guard let serverURL, var components = URLComponents(string: serverURL) else {
            throw Missing(description: "SMARTGRID_TEST_DATABASE_URL is not set: run ./scripts/test.sh, which starts PostgreSQL")
        }
        let name = "smartgrid_test_\(UUID().uuidString.prefix(8).lowercased())"
        let created = try Tools.run("psql", [serverURL, "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE \(name)"])
        guard created.status == 0 else { throw Missing(description: "CREATE DATABASE failed: \(created.output)") }
        components.path = "/" + name
        return components.string!
    }

    /// The same database with another password.
    static func withWrongPassword(_ url: String) -> String {
        var components = URLComponents(string: url)!
        components.password = "not-the-password"
        return components.string!
    }

    /// Stops or starts the test server (as its owner, the postgres user).
    static func control(_ action: String) throws {
        guard let pgCtl = environment["SMARTGRID_TEST_PG_CTL"], let data = environment["SMARTGRID_TEST_PG_DATA"] else {
            throw Missing(description: "SMARTGRID_TEST_PG_CTL and SMARTGRID_TEST_PG_DATA are not set: run ./scripts/test.sh")
        }
        var arguments = ["-D", data, "-w", "-t", "30"]
        if action == "stop" { arguments += ["-m", "fast"] }
        if let log = environment["SMARTGRID_TEST_PG_LOG"], action == "start" { arguments += ["-l", log] }
        arguments.append(action)
        // Output to a file: the server that `start` leaves running inherits the child's
        // descriptors, so a pipe would never close.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pg_ctl-\(UUID().uuidString.prefix(8)).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", pgCtl] + arguments : [pgCtl] + arguments
        // pg_ctl waits at most 30 s itself (-t 30).
        let status = try ChildProcess.spawn(command, output: .file(output.path)).waitUntilExit() ?? -1
        guard status == 0 else {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw Missing(description: "pg_ctl \(action) failed (\(status)): \(text)")
        }
    }
}

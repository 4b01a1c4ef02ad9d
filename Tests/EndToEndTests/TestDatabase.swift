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
        // Spawned and waited for by pid, output to a file: the server that `start` leaves running
        // inherits the child's descriptors (a pipe would never close), and Foundation's Process
        // was seen to leave this child unreaped.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pg_ctl-\(UUID().uuidString.prefix(8)).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", pgCtl] + arguments : [pgCtl] + arguments
        let status = try spawnAndWait(command, output: output.path)
        guard status == 0 else {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw Missing(description: "pg_ctl \(action) failed (\(status)): \(text)")
        }
    }

    /// Runs `command` (an absolute path and its arguments) to completion; its exit status.
    private static func spawnAndWait(_ command: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = command.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw Missing(description: "cannot run \(command[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        return (status >> 8) & 0xff
    }
}

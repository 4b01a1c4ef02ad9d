import ArgumentParser
import GridHTTP
import Logging

/// The flags every service takes.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: LogLevel = .info

    func settings(defaultPort: Int) -> ServerSettings {
        ServerSettings(host: host, port: port ?? defaultPort, logLevel: logLevel.level)
    }

    func validate() throws {
        if let port, !(0...65_535).contains(port) {
            throw ValidationError("--port must be between 0 and 65535, got \(port)")
        }
    }
}

struct LogLevel: ExpressibleByArgument, Sendable {
    var level: Logger.Level

    init?(argument: String) {
        guard let level = Logger.Level(rawValue: argument.lowercased()) else { return nil }
        self.level = level
    }

    init(_ level: Logger.Level) {
        self.level = level
    }

    static var info: LogLevel { LogLevel(.info) }

    static var allValueStrings: [String] { Logger.Level.allCases.map(\.rawValue) }
}

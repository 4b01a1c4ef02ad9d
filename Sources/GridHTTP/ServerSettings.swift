import Hummingbird
import Logging

/// Where and how a service listens: the flags every service takes (CONTRACT section 1).
public struct ServerSettings: Sendable {
    public var host: String
    /// 0 picks a free port; the service prints the one it got.
    public var port: Int
    public var logLevel: Logger.Level

    public init(host: String = "127.0.0.1", port: Int, logLevel: Logger.Level = .info) {
        self.host = host
        self.port = port
        self.logLevel = logLevel
    }

    public var applicationConfiguration: ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil)
    }

    public func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}

/// Reports the address a service really listens on, once it does.
public typealias ListeningHandler = @Sendable (_ host: String, _ port: Int) async -> Void

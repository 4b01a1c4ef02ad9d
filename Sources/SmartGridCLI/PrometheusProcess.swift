import Foundation
import Logging
import ServiceLifecycle

/// A real Prometheus, started for `smartgrid up` with a config for the services it runs and a
/// throwaway TSDB, stopped (SIGTERM, then wait) with everything else.
struct PrometheusProcess: Service {
    let binary: URL
    let listenAddress: String
    let scrapeTargets: [(job: String, targets: [String])]
    let logger: Logger

    /// The first `prometheus` on PATH, if any.
    static func findBinary() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("prometheus")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// The scrape configuration: every 2 s, one job per role.
    static func configuration(scrapeTargets: [(job: String, targets: [String])]) -> String {
        var text = """
            # Written by smartgrid up for the services it started.
            global:
              scrape_interval: 2s
              evaluation_interval: 2s
            scrape_configs:

            """
        for (job, targets) in scrapeTargets {
            text += "  - job_name: \(job)\n    static_configs:\n      - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]\n"
        }
        return text
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configFile = directory.appendingPathComponent("prometheus.yml")
        try Self.configuration(scrapeTargets: scrapeTargets).write(to: configFile, atomically: true, encoding: .utf8)
        let logFile = directory.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)

        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "--config.file=\(configFile.path)",
            "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=\(listenAddress)",
        ]
        process.standardOutput = log
        process.standardError = log
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            exited.continuation.yield(process.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        logger.debug("prometheus started", metadata: ["pid": "\(process.processIdentifier)"])
        // Wait for shutdown, or for Prometheus to stop on its own.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await gracefulShutdown() }
            group.addTask {
                for await status in exited.stream {
                    logger.error("prometheus exited with status \(status); its log: \(logFile.path)")
                }
            }
            await group.next()
            group.cancelAll()
        }
        if process.isRunning {
            process.terminate()
            for await _ in exited.stream {}
        }
    }
}

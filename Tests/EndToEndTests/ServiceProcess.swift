import Foundation
import Synchronization
import Testing

/// One `smartgrid` service started as its own process on a free port, as a user would run it.
/// Ready once it prints its "listening on" line; stopped by its process id only.
final class ServiceProcess: Sendable {
    let name: String
    let url: String
    let port: Int
    private let process: ChildProcess
    private let logFile: URL
    /// The read end of the service's standard output: kept open while it runs (closed, the service's
    /// next line would meet a broken pipe).
    private let output: FileHandle

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The `smartgrid` binary built beside these tests (the same build folder and configuration
    /// as the test bundle that runs now), or `SMARTGRID_BIN`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SMARTGRID_BIN"] { return URL(fileURLWithPath: path) }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // The runner is `<bin>/smartgridPackageTests.xctest` (a file on Linux, a bundle's binary elsewhere).
        var folder = runner.deletingLastPathComponent()
        while !folder.path.isEmpty, folder.path != "/",
            folder.pathExtension == "xctest" || folder.lastPathComponent == "MacOS"
                || folder.lastPathComponent == "Contents"
        {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("smartgrid")
    }

    static let logDirectory: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-test-logs")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }()

    private init(name: String, url: String, port: Int, process: ChildProcess, logFile: URL, output: FileHandle) {
        self.name = name
        self.url = url
        self.port = port
        self.process = process
        self.logFile = logFile
        self.output = output
    }

    /// Starts `smartgrid <arguments>` and waits (at most 30 s) for it to say where it listens.
    /// `ready` is a pattern of the line that says the service serves; its first http:// URL is the service's.
    /// `executable` runs instead of the binary itself, for wrappers such as `unshare`.
    static func start(
        _ name: String, _ arguments: [String], ready: String = #"listening on http://[^\s]+"#, executable: URL? = nil
    ) async throws -> ServiceProcess {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw StartFailure(description: "no smartgrid binary at \(binary.path): run `swift build` first")
        }
        let logFile = logDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log")
        // Standard output comes through a pipe (the "listening on" line), closed on exec so that
        // other children do not keep it open.
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw StartFailure(description: "pipe: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let output = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(
                [(executable ?? binary).path] + arguments, output: .descriptor(ends[1]), error: .file(logFile.path))
            close(ends[1])
        } catch {
            close(ends[1])
            throw error
        }

        let listening = AsyncStream<String>.makeStream()
        let buffer = Mutex(Data())
        output.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                listening.continuation.finish()
                return
            }
            let text = buffer.withLock { buffer -> String in
                buffer.append(chunk)
                return String(decoding: buffer, as: UTF8.self)
            }
            if let range = text.range(of: ready, options: .regularExpression),
                let urlRange = text[range].range(of: #"http://[^\s]+"#, options: .regularExpression)
            {
                let url = String(text[urlRange])
                listening.continuation.yield(url)
                listening.continuation.finish()
            }
        }
        let url = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { await listening.stream.first { _ in true } }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        guard let url, let port = URLComponents(string: url)?.port else {
            process.send(SIGKILL)
            throw StartFailure(description: "\(name) did not start listening (log: \(logFile.path))")
        }
        return ServiceProcess(name: name, url: url, port: port, process: process, logFile: logFile, output: output)
    }

    /// SIGKILL: no goodbye, as when a machine dies.
    func kill() {
        process.send(SIGKILL)
        if !waitSynchronously(upTo: .seconds(10)) {
            Issue.record("\(name) (pid \(process.pid)) did not die within 10 s of SIGKILL")
        }
    }

    /// A graceful stop, bounded: SIGTERM, `grace` to exit, then SIGKILL and a recorded issue
    /// with the end of the service's log.
    /// The exit status (a SIGKILLed process reports its signal; -1 if it could not be stopped or
    /// its status was lost).
    @discardableResult
    func stop(grace: Duration = .seconds(15)) -> Int32 {
        process.send(SIGTERM)
        if !waitSynchronously(upTo: grace) {
            Issue.record("\(name) (pid \(process.pid)) ignored SIGTERM for \(grace): killed. Its log ends:\n\(logTail())")
            kill()
        }
        return process.terminationStatus ?? -1
    }

    /// The last lines of the service's standard error.
    func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no log at \(logFile.path))"
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Polls until the process has exited, at most `limit`; whether it did.
    private func waitSynchronously(upTo limit: Duration) -> Bool {
        let start = ContinuousClock.now
        while process.isRunning, ContinuousClock.now - start < limit { usleep(20_000) }
        return !process.isRunning
    }

    /// SIGTERM without waiting: the service begins a graceful stop.
    func beginStop() {
        process.send(SIGTERM)
    }

    /// Waits (at most `limit`) for the process to exit: its status and how long it took, or nil
    /// if it is still running (then it is killed).
    func waitForExit(within limit: Duration) async -> (status: Int32, after: Duration)? {
        let start = ContinuousClock.now
        while process.isRunning, ContinuousClock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard let status = process.terminationStatus else {
            kill()
            return nil
        }
        return (status, ContinuousClock.now - start)
    }

    var isRunning: Bool { process.isRunning }
}

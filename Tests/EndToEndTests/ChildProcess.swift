import Foundation
import Synchronization

/// A child process started with `posix_spawn` and followed by its pid alone.
///
/// Not Foundation's `Process`, which on Linux was seen to miss a child's exit for good and which
/// hands the child the spawning thread's signal mask (a Dispatch worker's: SIGTERM blocked).
/// Here the child starts with no signal blocked and default handlers, as from a shell, with only
/// the three standard descriptors, and its exit is read with `waitpid`, which no descriptor the
/// child passes on can delay.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// The raw wait status, once the child is reaped.
    private let reaped = Mutex<Int32?>(nil)

    enum Output {
        /// A file, created or truncated.
        case file(String)
        /// A descriptor of this process (the write end of a pipe, say).
        case descriptor(Int32)
    }

    struct SpawnFailure: Error, CustomStringConvertible {
        var description: String
    }

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `command` (an absolute path and its arguments) with this process's environment,
    /// standard input from /dev/null, standard output to `output`, standard error to `error`
    /// (nil: the same as standard output).
    static func spawn(_ command: [String], output: Output, error: Output? = nil) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        redirect(&actions, 1, to: output)
        if let error { redirect(&actions, 2, to: error) } else { posix_spawn_file_actions_adddup2(&actions, 1, 2) }
        // Nothing else passes to the child: a descriptor of another child (Foundation's exit
        // socket of a tool run meanwhile, say) kept open here would hide that child's exit.
        guard let closeFrom = addCloseFrom else {
            throw SpawnFailure(description: "glibc has no posix_spawn_file_actions_addclosefrom_np (2.34 or later needed)")
        }
        _ = closeFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        // A process group of its own, as Foundation's `Process` gives: a Ctrl-C at the terminal
        // reaches the tests, which stop their services by pid.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = command.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw SpawnFailure(description: "cannot run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        return ChildProcess(pid: pid)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not import.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }

    private static func redirect(_ actions: inout posix_spawn_file_actions_t, _ target: Int32, to output: Output) {
        switch output {
        case .file(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        case .descriptor(let descriptor): posix_spawn_file_actions_adddup2(&actions, descriptor, target)
        }
    }

    /// Whether the child has not exited yet (reaps it when it has).
    var isRunning: Bool { waitStatus() == nil }

    /// Blocks until the child exits, at most `limit` (polling, so `send` stays free meanwhile);
    /// its termination status, or nil if it still runs.
    func waitUntilExit(within limit: Duration = .seconds(60)) -> Int32? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if let status = terminationStatus { return status }
            usleep(10_000)
        }
        return terminationStatus
    }

    /// As Foundation reports it: the exit code, or the number of the signal that ended the
    /// child (-1 if its status was lost); nil while it runs.
    var terminationStatus: Int32? { waitStatus().map(Self.terminationStatus(of:)) }

    func send(_ signal: Int32) {
        reaped.withLock { status in
            // Never signal a pid that was reaped: the system may have given it to another process.
            if status == nil { _ = kill(pid, signal) }
        }
    }

    /// The raw wait status if the child has exited, reaping it; nil while it runs.
    private func waitStatus() -> Int32? {
        reaped.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            while true {
                let result = waitpid(pid, &raw, WNOHANG)
                if result == pid {
                    status = raw
                    return raw
                }
                if result == 0 { return nil }
                if errno == EINTR { continue }
                // ECHILD: reaped elsewhere; it has exited, its status is lost.
                status = -1
                return -1
            }
        }
    }

    private static func terminationStatus(of raw: Int32) -> Int32 {
        if raw == -1 { return -1 }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
    }

    deinit {
        if isRunning {
            send(SIGKILL)
            _ = waitUntilExit(within: .seconds(10))
        }
    }
}

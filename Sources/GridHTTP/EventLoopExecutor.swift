import Foundation
import NIOCore
import NIOPosix

/// Runs Swift concurrency's tasks on NIO's event loops, the threads that serve the sockets.
/// Without it a request hops from the event loop that read it to the concurrency pool that runs
/// its handler, to the event loop of the upstream connection and back, and both pools compete
/// for the same cores; with it the handler, its HTTP client calls and its answer mostly stay on
/// one thread. `SMARTGRID_EVENT_LOOP_EXECUTOR=0` leaves the default pool (to compare).
public enum EventLoopExecutor {
    /// Call first thing in `main`, before any task starts; true when installed.
    @discardableResult
    public static func install() -> Bool {
        guard ProcessInfo.processInfo.environment["SMARTGRID_EVENT_LOOP_EXECUTOR"] != "0" else { return false }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}

import Foundation
import NIOCore
import NIOPosix

/// Runs Swift concurrency's tasks on NIO's event loops, the threads that serve the sockets.
/// Without it a request hops from the event loop that read it to the concurrency pool that runs
/// its handler, to the event loop of the upstream connection and back, and both pools compete
/// for the same cores; with it the handler, its HTTP client calls and its answer mostly stay on
/// one thread. Opt-in with `SMARTGRID_EVENT_LOOP_EXECUTOR=1`: with it on, the OCPP 2.0.1
/// offline-charger test failed reproducibly (a charge point's limit never rose after another's
/// link timed out), and the shared-database restart test hung once, so it stays off by default
/// until that is understood.
public enum EventLoopExecutor {
    /// Call first thing in `main`, before any task starts; true when installed.
    @discardableResult
    public static func install() -> Bool {
        guard ProcessInfo.processInfo.environment["SMARTGRID_EVENT_LOOP_EXECUTOR"] == "1" else { return false }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}

#if canImport(Glibc)
import Foundation
import Glibc
#endif

/// How many heaps glibc's malloc keeps. By default each thread that meets contention gets its own
/// arena (up to 8 per core), and memory freed in one arena is never reused by another: a service
/// whose allocations move between NIO's event loops, Swift concurrency's pool and SQLite's thread
/// pool grows its RSS by fragmentation. Two arenas keep it flat. In a soak of a million bookings
/// at one substation, RSS was 44.8 MB with two arenas against 49.6 MB by default at 880,000
/// bookings, still climbing (`scripts/substation-soak.sh`, both run side by side).
public enum HeapArenas {
    /// `M_ARENA_MAX` in glibc's `malloc.h`.
    private static let arenaMaxOption: Int32 = -8

    /// Limits malloc to `count` arenas, unless `MALLOC_ARENA_MAX` is set (glibc then reads it
    /// itself). Call first thing in `main`, before threads start. Elsewhere than glibc, nothing.
    public static func limit(to count: Int32 = 2) {
        #if canImport(Glibc)
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil, let symbol = dlsym(nil, "mallopt") else { return }
        // Looked up at run time: the Glibc module does not declare mallopt.
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        _ = mallopt(arenaMaxOption, count)
        #endif
    }
}

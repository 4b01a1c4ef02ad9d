#if canImport(Glibc)
    import Foundation
    import Glibc
#endif

/// glibc's malloc, tuned for a long-running service. Both calls are looked up at run time (the
/// Glibc module does not declare them) and do nothing elsewhere.
///
/// - Arenas: by default each thread that meets contention gets its own heap (up to 8 per core),
///   and memory freed in one is never reused by another, so a service whose allocations move
///   between NIO's event loops, Swift concurrency's pool and SQLite's thread pool grows its RSS by
///   fragmentation. Over a million bookings at one substation, RSS was 44.8 MB with two arenas
///   against 49.6 MB by default at 880,000 bookings, still climbing, at the same CPU per booking
///   (`scripts/substation-soak.sh`, side by side).
/// - Freed pages: glibc keeps what a burst freed; handing it back after each substation
///   checkpoint keeps RSS at what the load needs now, not what its busiest second needed.
public enum ProcessHeap {
    /// `M_ARENA_MAX` in glibc's `malloc.h`.
    private static let arenaMaxOption: Int32 = -8

    /// Limits malloc to `count` arenas, unless `MALLOC_ARENA_MAX` is set (glibc then reads it
    /// itself). Call first thing in `main`, before threads start.
    public static func limitArenas(to count: Int32 = 2) {
        #if canImport(Glibc)
            guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil, let symbol = dlsym(nil, "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
            _ = mallopt(arenaMaxOption, count)
        #endif
    }

    /// `malloc_trim(0)`: hands the free heap pages back to the system.
    public static func returnFreedPages() {
        #if canImport(Glibc)
            guard let symbol = dlsym(nil, "malloc_trim") else { return }
            let mallocTrim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
            _ = mallocTrim(0)
        #endif
    }
}

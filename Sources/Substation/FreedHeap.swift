#if canImport(Glibc)
import Glibc
#endif

/// Hands the heap pages that are free back to the system. glibc keeps what a burst of requests
/// freed in its arenas (one per thread that allocated), so without this a substation's RSS stays
/// at whatever its busiest second needed, plus fragmentation that grows with the threads.
enum FreedHeap {
    /// `malloc_trim(0)` where glibc has it (looked up at run time: the Glibc module does not
    /// declare it); elsewhere nothing.
    static func returnToSystem() {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        let mallocTrim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        _ = mallocTrim(0)
        #endif
    }
}

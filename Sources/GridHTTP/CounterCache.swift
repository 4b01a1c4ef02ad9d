import Prometheus
import Synchronization

/// Counters by their labels, each looked up in the registry once: the registry builds and
/// compares label sets under its lock on every lookup, which showed in the balancer's and the
/// gateway's profiles. Counters are never unregistered, so a cached one stays the exported one.
public final class CounterCache<Key: Hashable & Sendable>: Sendable {
    // Inlinable, so that callers in other modules get it specialized for their key: unspecialized,
    // every lookup asked the runtime for generic metadata.
    @usableFromInline let counters = Mutex<[Key: Counter]>([:])

    public init() {}

    /// The counter for `key`, made by `make` the first time.
    @inlinable public func counter(_ key: Key, make: () -> Counter) -> Counter {
        if let counter = counters.withLock({ $0[key] }) { return counter }
        let counter = make()
        counters.withLock { $0[key] = counter }
        return counter
    }
}

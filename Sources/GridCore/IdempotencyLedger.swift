/// Remembers what became of requests that carried an `Idempotency-Key`, so a client's retry gets
/// the first answer again and never books twice. Each key is bound to one order id from its
/// first request on: a retry after an unknown fate (the balancer timed out, the gateway
/// crashed) resolves that order instead of placing a second one. Pure: the owner supplies the
/// time and fresh order ids.
public struct IdempotencyLedger<Answer: Sendable>: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// First time: keep the binding of the key to `orderId`, place the order, then `record`
        /// the answer, `abandon` the key (nothing was booked) or mark it `unresolved`.
        case proceed(orderId: String)
        /// The order's first attempt ended without knowing its fate: find out whether `orderId`
        /// landed (then answer as if just booked), else place the same order id again.
        case resolve(orderId: String)
        /// Seen with the same body: answer this again.
        case replay(Answer)
        /// Seen with another body: refuse (422).
        case conflict
        /// The order is still being placed, or may still land: retry shortly (409).
        case inProgress

        public static func == (lhs: Verdict, rhs: Verdict) -> Bool {
            switch (lhs, rhs) {
            case (.proceed(let a), .proceed(let b)), (.resolve(let a), .resolve(let b)): a == b
            case (.replay, .replay), (.conflict, .conflict), (.inProgress, .inProgress): true
            default: false
            }
        }
    }

    private enum Entry {
        /// An attempt is under way in this process.
        case placing(BoundOrder)
        /// No attempt under way, fate unknown.
        case unresolved(BoundOrder)
        case done(fingerprint: String, answer: Answer, at: Double)
    }

    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    public let lifetimeSeconds: Double
    public let capacity: Int
    /// How long after an attempt started its order may still land (the balancer's own deadline
    /// for placing it): a retry sooner than that is told to wait rather than risk a second booking.
    public let fateWindowSeconds: Double

    public init(lifetimeSeconds: Double = 24 * 3600, capacity: Int = 100_000, fateWindowSeconds: Double = 6) {
        self.lifetimeSeconds = lifetimeSeconds
        self.capacity = capacity
        self.fateWindowSeconds = fateWindowSeconds
    }

    /// What to do with a request carrying `key` and a body whose canonical form is `fingerprint`;
    /// `newOrderId` is used only if the key is new.
    public mutating func check(key: String, fingerprint: String, now: Double, newOrderId: () -> String) -> Verdict {
        switch entries[key] {
        case .done(let recorded, let answer, let at) where now - at < lifetimeSeconds:
            return recorded == fingerprint ? .replay(answer) : .conflict
        case .placing(let bound) where now - bound.since < lifetimeSeconds:
            return bound.fingerprint == fingerprint ? .inProgress : .conflict
        case .unresolved(var bound) where now - bound.since < lifetimeSeconds:
            guard bound.fingerprint == fingerprint else { return .conflict }
            guard now - bound.since >= fateWindowSeconds else { return .inProgress }
            bound.since = now
            entries[key] = .placing(bound)
            return .resolve(orderId: bound.orderId)
        default:
            let orderId = newOrderId()
            entries[key] = .placing(BoundOrder(key: key, fingerprint: fingerprint, orderId: orderId, since: now))
            order.append(key)
            evict(now: now)
            return .proceed(orderId: orderId)
        }
    }

    /// What this process alone can tell about `key`, without changing anything: its final answer
    /// (replay or conflict), or an attempt under way here (in progress or conflict); nil otherwise.
    /// For a ledger shared through a database, which decides the rest.
    public func known(key: String, fingerprint: String, now: Double) -> Verdict? {
        switch entries[key] {
        case .done(let recorded, let answer, let at) where now - at < lifetimeSeconds:
            return recorded == fingerprint ? .replay(answer) : .conflict
        case .placing(let bound) where now - bound.since < lifetimeSeconds:
            return bound.fingerprint == fingerprint ? .inProgress : .conflict
        default:
            return nil
        }
    }

    /// An attempt for `bound` starts in this process (the shared store gave it the key).
    public mutating func place(_ bound: BoundOrder) {
        if entries[bound.key] == nil { order.append(bound.key) }
        entries[bound.key] = .placing(bound)
    }

    /// The order under `key`, while it has no final answer.
    public func boundOrder(key: String) -> BoundOrder? {
        switch entries[key] {
        case .placing(let bound), .unresolved(let bound): bound
        default: nil
        }
    }

    public mutating func record(key: String, fingerprint: String, answer: Answer, now: Double) {
        if entries[key] == nil { order.append(key) }
        entries[key] = .done(fingerprint: fingerprint, answer: answer, at: now)
    }

    /// Nothing was booked and nothing can be (a full grid, a refused connection): forget the key,
    /// so a retry places a fresh order.
    public mutating func abandon(key: String) {
        entries[key] = nil
    }

    /// The attempt ended without knowing whether the order landed: the next retry resolves it.
    public mutating func markUnresolved(key: String) {
        if case .placing(let bound) = entries[key] { entries[key] = .unresolved(bound) }
    }

    /// The key's order was fenced off everywhere (it can no longer land): bind the key to a fresh
    /// order id for the next attempt. Nil unless the key is being placed.
    public mutating func rebind(key: String, orderId: String, now: Double) -> BoundOrder? {
        guard case .placing(var bound) = entries[key] else { return nil }
        bound.orderId = orderId
        bound.since = now
        entries[key] = .placing(bound)
        return bound
    }

    /// Puts back an order kept across a restart: its attempt died with the process.
    public mutating func restore(_ bound: BoundOrder) {
        if entries[bound.key] == nil { order.append(bound.key) }
        entries[bound.key] = .unresolved(bound)
    }

    public var count: Int { entries.count }

    /// Past `capacity`, the oldest final answers go first; a key whose order has no final answer
    /// yet is kept for its whole lifetime (dropping it would let a retry book a second order).
    private mutating func evict(now: Double) {
        while order.count > capacity || (order.first.map { isExpired($0, now: now) } ?? false) {
            let oldest = order.removeFirst()
            if isExpired(oldest, now: now) {
                entries[oldest] = nil
            } else if case .done = entries[oldest] {
                entries[oldest] = nil
            } else if entries[oldest] != nil {
                order.append(oldest)  // still unsettled: to the back of the line
                if order.allSatisfy({ if case .done = entries[$0] { false } else { true } }) { break }
            }
        }
        if order.count > 2 * capacity { order = order.filter { entries[$0] != nil } }
    }

    private func isExpired(_ key: String, now: Double) -> Bool {
        switch entries[key] {
        case .done(_, _, let at): now - at >= lifetimeSeconds
        case .placing(let bound), .unresolved(let bound): now - bound.since >= lifetimeSeconds
        case nil: true
        }
    }
}

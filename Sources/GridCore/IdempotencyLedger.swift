/// Remembers the answers to requests that carried an `Idempotency-Key`, so a client's retry gets
/// the first answer again and books nothing new. Pure: the owner supplies the time.
public struct IdempotencyLedger<Answer: Sendable>: Sendable {
    public enum Verdict: Sendable {
        /// First time: go ahead, then `record` the answer (or `abandon` the key).
        case proceed
        /// Seen with the same body: answer this again.
        case replay(Answer)
        /// Seen with another body: refuse (422).
        case conflict
        /// The first request with this key is still being answered (409).
        case inProgress
    }

    private enum Entry {
        case pending(fingerprint: String, since: Double)
        case done(fingerprint: String, answer: Answer, at: Double)
    }

    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    public let lifetimeSeconds: Double
    public let capacity: Int

    public init(lifetimeSeconds: Double = 24 * 3600, capacity: Int = 100_000) {
        self.lifetimeSeconds = lifetimeSeconds
        self.capacity = capacity
    }

    /// What to do with a request carrying `key` and a body whose canonical form is `fingerprint`.
    public mutating func check(key: String, fingerprint: String, now: Double) -> Verdict {
        switch entries[key] {
        case .done(let recorded, let answer, let at) where now - at < lifetimeSeconds:
            return recorded == fingerprint ? .replay(answer) : .conflict
        case .pending(let recorded, let since) where now - since < 60:
            return recorded == fingerprint ? .inProgress : .conflict
        default:
            entries[key] = .pending(fingerprint: fingerprint, since: now)
            order.append(key)
            evict(now: now)
            return .proceed
        }
    }

    public mutating func record(key: String, fingerprint: String, answer: Answer, now: Double) {
        entries[key] = .done(fingerprint: fingerprint, answer: answer, at: now)
    }

    /// The request failed in a way a retry may fix: forget the key.
    public mutating func abandon(key: String) {
        entries[key] = nil
    }

    public var count: Int { entries.count }

    private mutating func evict(now: Double) {
        while order.count > capacity || (order.first.map { isExpired($0, now: now) } ?? false) {
            let oldest = order.removeFirst()
            if isExpired(oldest, now: now) || order.count >= capacity { entries[oldest] = nil }
        }
        if order.count > 2 * capacity { order = order.filter { entries[$0] != nil } }
    }

    private func isExpired(_ key: String, now: Double) -> Bool {
        switch entries[key] {
        case .done(_, _, let at): now - at >= lifetimeSeconds
        case .pending(_, let since): now - since >= 60
        case nil: true
        }
    }
}

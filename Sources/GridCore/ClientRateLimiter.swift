/// A token bucket per client: each client may make `ratePerSecond` requests a second on average,
/// and up to `burst` at once. Pure: the owner supplies the time (seconds on a monotonic clock).
public struct ClientRateLimiter: Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    /// Clients remembered at most; beyond it, those whose buckets have refilled are forgotten
    /// first (a full bucket is what a new client gets anyway), so memory stays bounded.
    public let maximumClients: Int

    private struct Bucket {
        var tokens: Double
        var updatedAt: Double
    }

    private var buckets: [String: Bucket] = [:]

    public init(ratePerSecond: Double, burst: Double? = nil, maximumClients: Int = 100_000) {
        precondition(ratePerSecond > 0, "a rate limit must allow something")
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst ?? ratePerSecond)
        self.maximumClients = maximumClients
    }

    public enum Verdict: Equatable, Sendable {
        case allowed
        /// Over the limit: the next request may pass after this many seconds.
        case limited(retryAfterSeconds: Double)
    }

    /// Takes one token from `client`'s bucket if it has one.
    public mutating func admit(_ client: String, now: Double) -> Verdict {
        var bucket = buckets[client] ?? Bucket(tokens: burst, updatedAt: now)
        bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.updatedAt) * ratePerSecond)
        bucket.updatedAt = now
        let verdict: Verdict
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            verdict = .allowed
        } else {
            verdict = .limited(retryAfterSeconds: (1 - bucket.tokens) / ratePerSecond)
        }
        if buckets[client] == nil, buckets.count >= maximumClients { forgetRefilled(now: now) }
        buckets[client] = bucket
        return verdict
    }

    public var clientCount: Int { buckets.count }

    private mutating func forgetRefilled(now: Double) {
        buckets = buckets.filter { _, bucket in bucket.tokens + (now - bucket.updatedAt) * ratePerSecond < burst }
        // Every client is mid-burst: forget the longest idle half rather than grow without end.
        if buckets.count >= maximumClients {
            let idle = buckets.sorted { $0.value.updatedAt < $1.value.updatedAt }.prefix(buckets.count / 2).map(\.key)
            for client in idle { buckets[client] = nil }
        }
    }
}

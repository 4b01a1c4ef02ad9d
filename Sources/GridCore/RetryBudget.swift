/// How many retries the balancer may spend, across requests: at most `ratio` of the requests of
/// the last `windowSeconds`, and never fewer than `minimumRetries` per window, so a quiet grid can
/// still retry (Envoy's retry budget). When substations refuse because the grid is full, retries
/// then add a fifth to the load at most instead of multiplying it.
///
/// Pure: every call says what time it is (seconds on the owner's monotonic clock).
public struct RetryBudget: Sendable, Equatable {
    public let ratio: Double
    public let minimumRetries: Int
    public let windowSeconds: Double

    struct Bucket: Sendable, Equatable {
        var epoch = Int.min
        var requests = 0
        var retries = 0
    }

    /// The window in `bucketCount` slices, as a ring indexed by slice number.
    private var buckets: [Bucket]
    static let bucketCount = 10

    public static let defaultRatio = 0.2
    public static let defaultMinimumRetries = 10

    public init(ratio: Double = defaultRatio, minimumRetries: Int = defaultMinimumRetries, windowSeconds: Double = 10) {
        precondition(ratio >= 0 && minimumRetries >= 0 && windowSeconds > 0)
        self.ratio = ratio
        self.minimumRetries = minimumRetries
        self.windowSeconds = windowSeconds
        self.buckets = Array(repeating: Bucket(), count: Self.bucketCount)
    }

    private func epoch(at time: Double) -> Int {
        let slice = (time / (windowSeconds / Double(Self.bucketCount))).rounded(.down)
        return slice.isFinite ? Int(max(-1e15, min(1e15, slice))) : 0
    }

    private mutating func bucket(at time: Double) -> Int {
        let epoch = epoch(at: time)
        let slot = ((epoch % Self.bucketCount) + Self.bucketCount) % Self.bucketCount
        if buckets[slot].epoch != epoch { buckets[slot] = Bucket(epoch: epoch) }
        return slot
    }

    /// Requests and retries of the window that ends at `time`.
    public func recent(at time: Double) -> (requests: Int, retries: Int) {
        let now = epoch(at: time)
        var requests = 0
        var retries = 0
        for bucket in buckets where bucket.epoch > now - Self.bucketCount && bucket.epoch <= now {
            requests += bucket.requests
            retries += bucket.retries
        }
        return (requests, retries)
    }

    /// A new request arrived: it earns `ratio` of a retry.
    public mutating func recordRequest(at time: Double) {
        buckets[bucket(at: time)].requests += 1
    }

    /// Whether one more retry fits the budget now.
    public func allowsRetry(at time: Double) -> Bool {
        let (requests, retries) = recent(at: time)
        return retries < max(minimumRetries, Int(ratio * Double(requests)))
    }

    /// Spends one retry if the budget allows it; false when it is spent.
    public mutating func spendRetry(at time: Double) -> Bool {
        guard allowsRetry(at: time) else { return false }
        buckets[bucket(at: time)].retries += 1
        return true
    }
}

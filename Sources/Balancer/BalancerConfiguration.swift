import GridCore
import GridHTTP

/// Everything `smartgrid balancer` is told on its command line.
public struct BalancerConfiguration: Sendable {
    public var server: ServerSettings
    public var substationURLs: [String]
    public var policy: PolicyName
    /// Seconds between two scrapes of every substation's `/metrics`.
    public var pollInterval: Double
    /// Longest wait for one substation to admit or refuse a session.
    public var dispatchTimeout: Duration
    /// Longest a whole routing may take, retries included.
    public var routeDeadline: Duration
    /// Bearer token for the admin API; nil turns the admin API off.
    public var adminToken: String?
    /// Seed for tie-breaks and random choices (nil: from the system).
    public var seed: UInt64?
    /// Names whose addresses are substations, re-resolved every `discoveryInterval` seconds.
    public var discover: [DiscoveryTarget] = []
    public var discoveryInterval: Double = 5
    /// Substations tried per request at most, the first included (`--max-attempts`).
    public var maxAttempts = RoutingAttempt.defaultMaxAttempts
    /// Retries across requests: at most this fraction of the requests of the last 10 s ...
    public var retryBudgetRatio = RetryBudget.defaultRatio
    /// ... and never fewer than this many per 10 s, so a quiet grid can still retry.
    public var retryBudgetMinimum = RetryBudget.defaultMinimumRetries

    public init(
        server: ServerSettings = ServerSettings(port: 7001), substationURLs: [String] = [],
        policy: PolicyName = .leastLoad, pollInterval: Double = 0.5,
        dispatchTimeout: Duration = .seconds(2), routeDeadline: Duration = .seconds(5),
        adminToken: String? = nil, seed: UInt64? = nil
    ) {
        self.server = server
        self.substationURLs = substationURLs
        self.policy = policy
        self.pollInterval = pollInterval
        self.dispatchTimeout = dispatchTimeout
        self.routeDeadline = routeDeadline
        self.adminToken = adminToken
        self.seed = seed
    }

    /// A scrape slower than this counts as failed: shorter than the interval, never above 2 s.
    public var scrapeTimeout: Duration {
        .milliseconds(Int(min(2, max(0.2, pollInterval * 0.8)) * 1000))
    }
}

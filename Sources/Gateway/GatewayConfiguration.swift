import GridHTTP

/// Everything `smartgrid gateway` is told on its command line.
public struct GatewayConfiguration: Sendable {
    public var server: ServerSettings
    /// One or more balancers; requests are spread over them in turn.
    public var balancerURLs: [String]
    /// Longest wait for the balancer to place a request (it has its own deadline of 5 s).
    public var balancerTimeout: Duration
    /// Longest wait for a substation to show or end a session.
    public var substationTimeout: Duration
    /// Requests per second each client address may make (bursts of as many); nil: no limit.
    public var rateLimitPerSecond: Double?
    /// Most cars the waiting list holds; beyond it a driver who would wait gets 503.
    public var maxQueue: Int = 1000
    /// How often the waiting list looks for room.
    public var waitingListInterval: Duration = .milliseconds(250)

    public init(
        server: ServerSettings = ServerSettings(port: 7000), balancerURLs: [String] = ["http://127.0.0.1:7001"],
        balancerTimeout: Duration = .seconds(6), substationTimeout: Duration = .seconds(2), rateLimitPerSecond: Double? = nil
    ) {
        self.rateLimitPerSecond = rateLimitPerSecond
        self.server = server
        self.balancerURLs = balancerURLs
        self.balancerTimeout = balancerTimeout
        self.substationTimeout = substationTimeout
    }
}

import GridCore

/// What `smartgrid loadtest` does: where, how hard and for how long.
public struct LoadTestPlan: Sendable {
    public enum Mode: Sendable {
        /// `concurrency` workers, each sending its next request when the last is answered, until
        /// `requests` are sent or `timeLimit` seconds have passed.
        case closed(requests: Int, concurrency: Int, timeLimit: Double? = nil)
        /// Requests at their scheduled times whatever the answers; latency from the scheduled time.
        case open(ArrivalSchedule)
    }

    public var target: String
    public var mode: Mode
    public var seed: UInt64
    public var requestTimeout: Duration
    /// Seconds between two reads of the grid's `/api/v1/grid` during the run.
    public var gridSampleInterval: Double
    /// Open loop: requests in flight beyond this are counted as failed, never queued without end.
    public var maxInFlight: Int
    /// Minutes each driver waits for a free point (`maxWaitMinutes`); 0: none. A car answered
    /// 202 is followed until it charges or its wait ends.
    public var maxWaitMinutes = 0

    public init(
        target: String, mode: Mode, seed: UInt64 = 1, requestTimeout: Duration = .seconds(10), gridSampleInterval: Double = 1,
        maxInFlight: Int = 10_000
    ) {
        self.target = target
        self.mode = mode
        self.seed = seed
        self.requestTimeout = requestTimeout
        self.gridSampleInterval = gridSampleInterval
        self.maxInFlight = maxInFlight
    }

    /// The `index`-th charge request: the standard vehicle mix, reproducible from the seed and
    /// made on demand, so a long run never builds its whole list first.
    func chargeRequest(at index: Int) -> WaitRequest {
        var generator = SeededGenerator(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        return WaitRequest(charge: VehicleMix.standard.nextRequest(vehicleNumber: index + 1, using: &generator), maxWaitMinutes: maxWaitMinutes)
    }
}

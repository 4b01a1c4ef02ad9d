import GridCore

/// What a load test found; `--json` writes exactly this (keys sorted).
public struct LoadTestReport: Codable, Equatable, Sendable {
    public struct Latency: Codable, Equatable, Sendable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
        public var mean: Double
    }

    public struct Balance: Codable, Equatable, Sendable {
        /// Means over the grid samples of max/mean, coefficient of variation and Jain's index of substation load.
        public var maxOverMean: Double
        public var coefficientOfVariation: Double
        public var jainIndex: Double
        public var samples: Int
    }

    /// Cars answered 202 (waiting list), followed until their wait ended.
    public struct Waits: Codable, Equatable, Sendable {
        /// How waits ended: admitted, expired, cancelled, unknown (still waiting when the run gave up).
        public var endings: [String: Int]
        /// Seconds from the 202 to charging, for the admitted.
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var max: Double
    }

    public struct Second: Codable, Equatable, Sendable {
        public var time: Int
        public var requestsPerSecond: Int
        public var p50: Double
        public var p99: Double
    }

    public var target: String
    /// `closed` or `open`.
    public var mode: String
    public var durationSeconds: Double
    public var requests: Int
    public var requestsPerSecond: Double
    public var errors: Int
    public var errorRate: Double
    /// Latency in seconds: from the intended send time in open loop.
    public var latency: Latency
    /// Answers by HTTP status ("0": no answer).
    public var statuses: [String: Int]
    /// Answers by problem type (`type` of problem+json answers).
    public var problems: [String: Int]
    /// 201 answers by the substation that admitted the car.
    public var assignments: [String: Int]
    public var balance: Balance?
    /// Present when any car waited in line.
    public var waits: Waits?
    public var perSecond: [Second]
    public var grid: [GridSample]
}

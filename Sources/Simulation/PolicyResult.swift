import GridCore

/// What one policy achieved in one scenario.
public struct PolicyResult: Codable, Equatable, Sendable {
    public var policy: String
    /// How each substation shared its power (`PowerAllocation`).
    public var allocation: String = PowerAllocation.waterFilling.rawValue
    public var pollIntervalSeconds: Double
    public var requests: Int
    public var admitted: Int
    public var rejected: Int
    /// Dispatches refused and retried elsewhere.
    public var retries: Int
    /// Energy delivered over energy asked for by every request, admitted or not.
    public var energyDeliveredRatio: Double
    /// Share of requests that got all the energy they asked for.
    public var demandsMetRatio: Double
    /// Share of requests less than 0.1 kWh short (ACN-Sim's "demand met"); trace replays only.
    public var demandsNearlyMetRatio: Double?
    /// Energy delivered, in kWh.
    public var energyDeliveredKWh: Double = 0
    public var rejectedRatio: Double
    /// Samples in which a substation drew more than its capacity. Must be 0.
    public var capacityViolations: Int
    /// Mean over samples of max/mean substation load.
    public var loadMaxMean: Double
    /// Mean over samples of the coefficient of variation of substation load.
    public var loadCoV: Double
    /// Mean over samples of Jain's fairness index of substation load.
    public var jain: Double
    /// Share of substation-samples above 90% load.
    public var timeAbove90Ratio: Double
    /// Highest load each substation reached.
    public var peakLoad: [Double]
    /// max/mean of substation load at each sample, for charts: [simulated minutes, max/mean].
    public var loadMaxMeanOverTime: [[Double]]
}

/// The whole answer of `smartgrid simulate --json`.
public struct SimulationReport: Codable, Equatable, Sendable {
    public var scenario: SimulationScenario
    public var results: [PolicyResult]
    /// The most any schedule could deliver to the same cars under the same limits; nil when the
    /// run is too big to bound.
    public var offlineOptimum: OfflineOptimumFigure?

    public init(scenario: SimulationScenario, results: [PolicyResult], offlineOptimum: OfflineOptimumFigure? = nil) {
        self.scenario = scenario
        self.results = results
        self.offlineOptimum = offlineOptimum
    }
}

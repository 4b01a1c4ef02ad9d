import GridCore

/// Figures gathered during one run.
struct RunStatistics {
    var admitted = 0
    var rejected = 0
    var retries = 0
    var energyRequestedKWh = 0.0
    private var samples = 0
    private var violations = 0
    private var above90 = 0
    private var substationSamples = 0
    private var maxMeanSum = 0.0
    private var covSum = 0.0
    private var jainSum = 0.0
    private var balancedSamples = 0
    private var peak: [Double]
    private var maxMeanOverTime: [[Double]] = []
    /// At most this many points of max/mean over time are kept for charts.
    static let chartPoints = 400

    init(substationCount: Int) {
        peak = [Double](repeating: 0, count: substationCount)
    }

    mutating func sample(_ snapshots: [SubstationSnapshot], minutes: Double) {
        samples += 1
        let loads = snapshots.map(\.load)
        for (index, snapshot) in snapshots.enumerated() {
            peak[index] = max(peak[index], snapshot.load)
            // The allocation itself, not the clamped export: rounding dust is allowed, nothing more.
            if snapshot.baseLoadKW + snapshot.evPowerKW > snapshot.spec.capacityKW * (1 + 1e-9) { violations += 1 }
            if snapshot.load > 0.9 { above90 += 1 }
            substationSamples += 1
        }
        let balance = BalanceStatistics(loads: loads)
        guard balance.mean > 0 else { return }
        balancedSamples += 1
        maxMeanSum += balance.maxOverMean
        covSum += balance.coefficientOfVariation
        jainSum += balance.jainIndex
        maxMeanOverTime.append([minutes, balance.maxOverMean])
    }

    func result(policy: String, scenario: SimulationScenario, substations: [SubstationModel]) -> PolicyResult {
        let delivered = substations.reduce(0) { $0 + $1.energyDeliveredKWh }
        let completed = substations.reduce(0) { $0 + $1.counts.completed }
        let requests = Double(max(1, admitted + rejected))
        let balanced = Double(max(1, balancedSamples))
        let stride = max(1, maxMeanOverTime.count / Self.chartPoints)
        return PolicyResult(
            policy: policy, pollIntervalSeconds: scenario.pollIntervalSeconds, requests: admitted + rejected,
            admitted: admitted, rejected: rejected, retries: retries,
            energyDeliveredRatio: energyRequestedKWh > 0 ? delivered / energyRequestedKWh : 0,
            demandsMetRatio: Double(completed) / requests, energyDeliveredKWh: delivered, rejectedRatio: Double(rejected) / requests,
            capacityViolations: violations, loadMaxMean: maxMeanSum / balanced, loadCoV: covSum / balanced,
            jain: jainSum / balanced, timeAbove90Ratio: Double(above90) / Double(max(1, substationSamples)),
            peakLoad: peak, loadMaxMeanOverTime: Swift.stride(from: 0, to: maxMeanOverTime.count, by: stride).map { maxMeanOverTime[$0] })
    }
}

import Foundation

/// A `--fail-if` condition such as `error-rate>0.01` or `p99>0.25` (seconds) or `rps<100`.
public struct FailureThreshold: Equatable, Sendable, CustomStringConvertible {
    public enum Metric: String, CaseIterable, Sendable {
        case errorRate = "error-rate"
        case p50, p90, p99, p999, max
        case rps
    }

    public var metric: Metric
    public var above: Bool
    public var limit: Double

    /// Parses `METRIC>VALUE` or `METRIC<VALUE`; nil when it is not of that form.
    public init?(_ text: String) {
        let above = text.contains(">")
        let parts = text.split(separator: above ? ">" : "<", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, text.contains(">") != text.contains("<"), let metric = Metric(rawValue: parts[0]),
            let limit = Double(parts[1]), limit.isFinite
        else { return nil }
        self.metric = metric
        self.above = above
        self.limit = limit
    }

    public var description: String { "\(metric.rawValue)\(above ? ">" : "<")\(limit)" }

    public func value(in report: LoadTestReport) -> Double {
        switch metric {
        case .errorRate: report.errorRate
        case .p50: report.latency.p50
        case .p90: report.latency.p90
        case .p99: report.latency.p99
        case .p999: report.latency.p999
        case .max: report.latency.max
        case .rps: report.requestsPerSecond
        }
    }

    /// Whether the report crosses this threshold.
    public func isCrossed(by report: LoadTestReport) -> Bool {
        let value = value(in: report)
        return above ? value > limit : value < limit
    }
}

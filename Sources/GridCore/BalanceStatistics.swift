/// How evenly a set of loads is spread: 1 for max/mean and Jain's index, 0 for the coefficient of
/// variation, mean perfect balance.
public struct BalanceStatistics: Codable, Equatable, Sendable {
    public var mean: Double
    public var max: Double
    /// max / mean.
    public var maxOverMean: Double
    /// Standard deviation / mean (population).
    public var coefficientOfVariation: Double
    /// Jain's fairness index (sum x)^2 / (n * sum x^2), in (0, 1].
    public var jainIndex: Double

    public init(loads: [Double]) {
        let n = Double(loads.count)
        let sum = loads.reduce(0, +)
        let mean = loads.isEmpty ? 0 : sum / n
        let maximum = loads.max() ?? 0
        let variance = loads.isEmpty ? 0 : loads.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let sumOfSquares = loads.reduce(0) { $0 + $1 * $1 }
        self.mean = mean
        self.max = maximum
        self.maxOverMean = mean > 0 ? maximum / mean : 1
        self.coefficientOfVariation = mean > 0 ? variance.squareRoot() / mean : 0
        self.jainIndex = sumOfSquares > 0 ? sum * sum / (n * sumOfSquares) : 1
    }
}

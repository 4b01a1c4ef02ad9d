/// The offline optimum of a scenario, as reports show it.
public struct OfflineOptimumFigure: Codable, Equatable, Sendable {
    /// The most energy any schedule could deliver, over the energy asked for.
    public var energyDeliveredRatio: Double
    public var energyDeliveredKWh: Double

    public init(energyDeliveredRatio: Double, energyDeliveredKWh: Double) {
        self.energyDeliveredRatio = energyDeliveredRatio
        self.energyDeliveredKWh = energyDeliveredKWh
    }
}

/// One real charge point of a substation, as its metrics show it: whether its OCPP link is up
/// and what its fresh meter readings add up to.
public struct ChargerFigure: Codable, Equatable, Sendable {
    public var chargePointId: String
    public var connected: Bool
    public var powerKW: Double

    public init(chargePointId: String, connected: Bool, powerKW: Double) {
        self.chargePointId = chargePointId
        self.connected = connected
        self.powerKW = powerKW
    }

    /// The chargers among a substation's samples (`substation_charger_connected` and
    /// `substation_charger_power_watts`, by `charge_point`), sorted by id; none for a simulated one.
    static func read(_ samples: [MetricSample]) -> [ChargerFigure] {
        var power: [String: Double] = [:]
        for sample in samples where sample.name == "substation_charger_power_watts" {
            if let id = sample.labels["charge_point"], sample.value.isFinite { power[id] = sample.value / 1000 }
        }
        return samples.compactMap { sample -> ChargerFigure? in
            guard sample.name == "substation_charger_connected", let id = sample.labels["charge_point"] else { return nil }
            return ChargerFigure(chargePointId: id, connected: sample.value == 1, powerKW: power[id] ?? 0)
        }.sorted { $0.chargePointId < $1.chargePointId }
    }
}

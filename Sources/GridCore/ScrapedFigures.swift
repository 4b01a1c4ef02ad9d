/// What the balancer reads from one scrape of a substation's `/metrics`.
public struct ScrapedFigures: Equatable, Sendable {
    public var substationId: String
    public var load: Double
    public var capacityKW: Double
    public var powerKW: Double
    public var activeSessions: Int
    public var chargingPoints: Int
    /// Energy delivered and asked for since the substation started, when it exports them.
    public var energyDeliveredKWh: Double?
    public var energyRequestedKWh: Double?

    public init(
        substationId: String, load: Double, capacityKW: Double, powerKW: Double, activeSessions: Int, chargingPoints: Int,
        energyDeliveredKWh: Double? = nil, energyRequestedKWh: Double? = nil
    ) {
        self.energyDeliveredKWh = energyDeliveredKWh
        self.energyRequestedKWh = energyRequestedKWh
        self.substationId = substationId
        self.load = load
        self.capacityKW = capacityKW
        self.powerKW = powerKW
        self.activeSessions = activeSessions
        self.chargingPoints = chargingPoints
    }

    public enum ReadError: Error, Equatable, Sendable {
        case syntax(ExpositionSyntaxError)
        case missingMetric(String)
    }

    /// Reads the substation metrics of CONTRACT section 4 from an exposition.
    public static func read(exposition text: String) throws(ReadError) -> ScrapedFigures {
        let samples: [MetricSample]
        do {
            samples = try PrometheusTextParser.parse(text)
        } catch {
            throw .syntax(error)
        }
        func required(_ name: String) throws(ReadError) -> MetricSample {
            guard let sample = samples.first(where: { $0.name == name }), sample.value.isFinite else {
                throw .missingMetric(name)
            }
            return sample
        }
        let load = try required("substation_load")
        func optional(_ name: String) -> Double? {
            samples.first { $0.name == name && $0.value.isFinite }.map { $0.value / 3_600_000 }
        }
        return ScrapedFigures(
            substationId: load.labels["substation"] ?? "",
            load: load.value,
            capacityKW: try required("substation_capacity_watts").value / 1000,
            powerKW: try required("substation_power_watts").value / 1000,
            activeSessions: Int(try required("substation_active_sessions").value),
            chargingPoints: Int(try required("substation_charging_points").value),
            energyDeliveredKWh: optional("substation_energy_delivered_joules_total"),
            energyRequestedKWh: optional("substation_energy_requested_joules_total"))
    }
}

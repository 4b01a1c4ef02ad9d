/// What the balancer reads from one scrape of a substation's `/metrics`.
public struct ScrapedFigures: Equatable, Sendable {
    public var substationId: String
    public var load: Double
    public var capacityKW: Double
    public var powerKW: Double
    public var activeSessions: Int
    public var chargingPoints: Int
    /// Real charge points (an OCPP substation); empty for a simulated one.
    public var chargers: [ChargerFigure]

    public init(
        substationId: String, load: Double, capacityKW: Double, powerKW: Double, activeSessions: Int, chargingPoints: Int,
        chargers: [ChargerFigure] = []
    ) {
        self.chargers = chargers
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
        return ScrapedFigures(
            substationId: load.labels["substation"] ?? "",
            load: load.value,
            capacityKW: try required("substation_capacity_watts").value / 1000,
            powerKW: try required("substation_power_watts").value / 1000,
            activeSessions: Int(try required("substation_active_sessions").value),
            chargingPoints: Int(try required("substation_charging_points").value),
            chargers: ChargerFigure.read(samples))
    }
}

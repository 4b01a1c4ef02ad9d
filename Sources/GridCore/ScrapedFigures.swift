/// What the balancer reads from one scrape of a substation's `/metrics`.
public struct ScrapedFigures: Equatable, Sendable {
    public var substationId: String
    public var load: Double
    public var capacityKW: Double
    public var powerKW: Double
    public var activeSessions: Int
    public var chargingPoints: Int
    /// When its sessions are expected to end; nil when the substation does not say.
    public var endings: SessionEndings? = nil

    public init(substationId: String, load: Double, capacityKW: Double, powerKW: Double, activeSessions: Int, chargingPoints: Int) {
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
        var figures = ScrapedFigures(
            substationId: load.labels["substation"] ?? "",
            load: load.value,
            capacityKW: try required("substation_capacity_watts").value / 1000,
            powerKW: try required("substation_power_watts").value / 1000,
            activeSessions: Int(try required("substation_active_sessions").value),
            chargingPoints: Int(try required("substation_charging_points").value))
        figures.endings = endings(in: samples)
        return figures
    }

    /// `substation_sessions_ending_within_seconds{le}`, when every horizon is there with a sane count.
    static func endings(in samples: [MetricSample]) -> SessionEndings? {
        var counts: [Int] = []
        for horizon in SessionEndings.horizons {
            let label = String(Int(horizon))
            guard let sample = samples.first(where: { $0.name == "substation_sessions_ending_within_seconds" && $0.labels["le"] == label }),
                sample.value.isFinite, sample.value >= 0, sample.value <= 1e9
            else { return nil }
            counts.append(Int(sample.value))
        }
        return SessionEndings(counts: counts)
    }
}

/// What the balancer reads from one scrape of a substation's `/metrics`.
///
/// Every value is checked where it enters: whatever a substation (or Prometheus) answers, a
/// figure that is not finite, negative, fractional where a count is meant, absurdly large, or
/// given twice makes the whole read fail. A failed read is a failed scrape, nothing more.
public struct ScrapedFigures: Equatable, Sendable {
    public var substationId: String
    public var load: Double
    public var capacityKW: Double
    public var powerKW: Double
    public var activeSessions: Int
    public var chargingPoints: Int
    /// When its sessions are expected to end; nil when the substation does not say.
    public var endings: SessionEndings? = nil
    /// Non-EV demand now; nil from a source that does not give it (the admission floor then
    /// counts the whole capacity as available to EVs).
    public var baseLoadKW: Double?
    /// The most one charging point delivers; nil from substations older than the gauge (a
    /// dispatch then reserves the car's own maximum).
    public var pointMaxKW: Double?
    /// Energy delivered and asked for since the substation started, when it exports them.
    public var energyDeliveredKWh: Double? = nil
    public var energyRequestedKWh: Double? = nil
    /// Real charge points (an OCPP substation); empty for a simulated one.
    public var chargers: [ChargerFigure] = []

    public init(
        substationId: String, load: Double, capacityKW: Double, powerKW: Double, activeSessions: Int, chargingPoints: Int,
        baseLoadKW: Double? = nil, pointMaxKW: Double? = nil
    ) {
        self.substationId = substationId
        self.load = load
        self.capacityKW = capacityKW
        self.powerKW = powerKW
        self.activeSessions = activeSessions
        self.chargingPoints = chargingPoints
        self.baseLoadKW = baseLoadKW
        self.pointMaxKW = pointMaxKW
    }

    /// The figures a substation in this state exports: what the simulator's balancer reads.
    public init(snapshot: SubstationSnapshot) {
        self.init(
            substationId: snapshot.spec.id, load: snapshot.load, capacityKW: snapshot.spec.capacityKW, powerKW: snapshot.powerKW,
            activeSessions: snapshot.activeSessions, chargingPoints: snapshot.spec.chargingPoints, baseLoadKW: snapshot.baseLoadKW,
            pointMaxKW: snapshot.spec.pointMaxKW)
    }

    public enum ReadError: Error, Equatable, Sendable {
        case syntax(ExpositionSyntaxError)
        case missingMetric(String)
        /// Not finite, out of range, or not a whole number where a count is meant.
        case invalidValue(String)
        /// The same metric given more than once: which one is meant is unknown.
        case duplicateSeries(String)
        case tooLarge(bytes: Int)
    }

    /// A substation's exposition is a few kilobytes; far more is not a substation.
    public static let expositionLimitBytes = 1 << 20
    /// Counts above this are not a substation's (they would also overflow arithmetic later).
    public static let countLimit = 1_000_000
    /// Powers above this (watts: 100 GW) are not a substation's.
    public static let wattsLimit = 1e11
    /// Loads above this are not believable (sessions request at most 350 kW each).
    public static let loadLimit = 1e6

    /// The metric names of CONTRACT section 4 that `read` looks at.
    public static let metricNames = [
        "substation_load", "substation_capacity_watts", "substation_power_watts", "substation_active_sessions",
        "substation_charging_points", "substation_base_load_watts", "substation_point_max_watts",
    ]

    /// Reads the substation metrics of CONTRACT section 4 (and the point maximum, when given)
    /// from an exposition.
    public static func read(exposition text: String) throws(ReadError) -> ScrapedFigures {
        guard text.utf8.count <= expositionLimitBytes else { throw .tooLarge(bytes: text.utf8.count) }
        let samples: [MetricSample]
        do {
            samples = try PrometheusTextParser.parse(text)
        } catch {
            throw .syntax(error)
        }
        var found: [String: MetricSample] = [:]
        for sample in samples where metricNames.contains(sample.name) {
            guard found.updateValue(sample, forKey: sample.name) == nil else { throw .duplicateSeries(sample.name) }
        }
        func required(_ name: String) throws(ReadError) -> Double {
            guard let sample = found[name] else { throw .missingMetric(name) }
            return sample.value
        }
        var figures = try validated(
            substationId: found["substation_load"]?.labels["substation"] ?? "", load: try required("substation_load"),
            capacityWatts: try required("substation_capacity_watts"), powerWatts: try required("substation_power_watts"),
            activeSessions: try required("substation_active_sessions"), chargingPoints: try required("substation_charging_points"),
            baseLoadWatts: found["substation_base_load_watts"]?.value, pointMaxWatts: found["substation_point_max_watts"]?.value)
        figures.endings = endings(in: samples)
        // Counters in joules; one that cannot be believed is left out, not a failed scrape.
        func kilowattHours(_ name: String) -> Double? {
            let series = samples.filter { $0.name == name }
            guard series.count == 1, let value = series.first?.value, value.isFinite, value >= 0, value <= 1e18 else { return nil }
            return value / 3_600_000
        }
        figures.energyDeliveredKWh = kilowattHours("substation_energy_delivered_joules_total")
        figures.energyRequestedKWh = kilowattHours("substation_energy_requested_joules_total")
        figures.chargers = ChargerFigure.read(samples)
        return figures
    }

    /// `substation_sessions_ending{within_seconds}`, when every horizon is there once with a
    /// sane count; nil otherwise (a 503's Retry-After then falls back to its constant).
    static func endings(in samples: [MetricSample]) -> SessionEndings? {
        var counts: [Int] = []
        for horizon in SessionEndings.horizons {
            let label = String(Int(horizon))
            let series = samples.filter { $0.name == "substation_sessions_ending" && $0.labels["within_seconds"] == label }
            guard series.count == 1, let value = series.first?.value, value.isFinite, value >= 0, value <= Double(countLimit),
                value.rounded() == value
            else { return nil }
            counts.append(Int(value))
        }
        return SessionEndings(counts: counts)
    }

    /// Figures from raw values in the units they are exported in, or the reason they cannot be
    /// believed: the one check both the scrape and the Prometheus reader go through.
    public static func validated(
        substationId: String, load: Double, capacityWatts: Double, powerWatts: Double, activeSessions: Double,
        chargingPoints: Double, baseLoadWatts: Double?, pointMaxWatts: Double?
    ) throws(ReadError) -> ScrapedFigures {
        func watts(_ value: Double, _ name: String, positive: Bool = false) throws(ReadError) -> Double {
            guard value.isFinite, value >= 0, value <= wattsLimit, !positive || value > 0 else { throw .invalidValue(name) }
            return value / 1000
        }
        func count(_ value: Double, _ name: String) throws(ReadError) -> Int {
            guard value.isFinite, value >= 0, value <= Double(countLimit), value.rounded() == value else {
                throw .invalidValue(name)
            }
            return Int(value)
        }
        guard load.isFinite, load >= 0, load <= loadLimit else { throw .invalidValue("substation_load") }
        return ScrapedFigures(
            substationId: substationId, load: load,
            capacityKW: try watts(capacityWatts, "substation_capacity_watts", positive: true),
            powerKW: try watts(powerWatts, "substation_power_watts"),
            activeSessions: try count(activeSessions, "substation_active_sessions"),
            chargingPoints: try count(chargingPoints, "substation_charging_points"),
            baseLoadKW: try baseLoadWatts.map { value throws(ReadError) in try watts(value, "substation_base_load_watts") },
            pointMaxKW: try pointMaxWatts.map { value throws(ReadError) in
                try watts(value, "substation_point_max_watts", positive: true)
            })
    }
}

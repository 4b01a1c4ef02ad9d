import Foundation
import GridCore
import Prometheus
import Testing

@testable import Balancer
@testable import Substation

/// No answer of a substation or of Prometheus can crash or poison the balancer: each is either
/// figures the view can use or a failed read of that one substation.
@Suite struct ScrapeRobustnessTests {
    /// What a substation exports is what the balancer reads back, the point maximum included.
    @Test func substationMetricsRoundTripThroughTheScrapeReader() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = SubstationMetrics(registry: registry, substationId: "S7")
        var model = SubstationModel(
            spec: SubstationSpec(id: "S7", capacityKW: 630, chargingPoints: 30, pointMaxKW: 22),
            baseLoad: BaseLoadCurve(capacityKW: 630, meanFraction: 0.3, seed: 5), now: 8 * 3600)
        for number in 0..<6 {
            _ = model.admit(
                id: "v\(number)", request: ChargeRequest(vehicleId: "EV-\(number)", energyKWh: 30, maxPowerKW: 150),
                createdAtEpochSeconds: 0)
        }
        let snapshot = model.snapshot
        metrics.update(from: snapshot)
        let figures = try ScrapedFigures.read(exposition: registry.emitToString())
        let exported = ScrapedFigures(snapshot: snapshot)
        #expect(figures.substationId == "S7" && figures.activeSessions == 6 && figures.chargingPoints == 30)
        #expect(figures.pointMaxKW == 22 && figures.capacityKW == 630)
        // Doubles go through text: equal to the last bit is not promised, a relative 1e-12 is.
        for (read, wanted) in [
            (figures.load, exported.load), (figures.powerKW, exported.powerKW), (figures.baseLoadKW!, exported.baseLoadKW!),
        ] {
            #expect(abs(read - wanted) <= 1e-12 * max(1, abs(wanted)), "\(read) vs \(wanted)")
        }
    }

    static func vector(_ entries: [(name: String, instance: String, value: String)]) -> Data {
        let result = entries.map { entry in
            #"{"metric":{"__name__":"\#(entry.name)","instance":"\#(entry.instance)","substation":"S1"},"value":[1700000000.5,"\#(entry.value)"]}"#
        }
        return Data(#"{"status":"success","data":{"resultType":"vector","result":[\#(result.joined(separator: ","))]}}"#.utf8)
    }

    static func figures(active: String = "3", load: String = "0.5") -> [(name: String, instance: String, value: String)] {
        [
            ("up", "h:1", "1"), ("substation_load", "h:1", load), ("substation_capacity_watts", "h:1", "400000"),
            ("substation_power_watts", "h:1", "100000"), ("substation_active_sessions", "h:1", active),
            ("substation_charging_points", "h:1", "20"),
        ]
    }

    static func read(_ figures: Data, timestamps: Data? = nil) throws -> Result<LoadReading, LoadReadFailure> {
        let stamps = try PrometheusVectorSample.decode(timestamps ?? vector([("substation_load", "h:1", "1700000000")]))
        return PrometheusLoadReader.reading(
            of: "h:1", figures: try PrometheusVectorSample.decode(figures), timestamps: stamps, clockOffset: 1_699_999_000)
    }

    @Test func prometheusFiguresThatAreBelievableAreRead() throws {
        let reading = try Self.read(Self.vector(Self.figures())).get()
        #expect(reading.figures.activeSessions == 3 && reading.figures.capacityKW == 400 && reading.takenAt == 1000)
    }

    @Test(arguments: ["NaN", "+Inf", "-Inf", "1e300", "-3", "2.5"])
    func unbelievablePrometheusCountsFailThatSubstationOnly(value: String) throws {
        guard case .failure = try Self.read(Self.vector(Self.figures(active: value))) else {
            Issue.record("active sessions \(value) was read")
            return
        }
        guard case .failure = try Self.read(Self.vector(Self.figures(load: value == "2.5" ? "NaN" : value))) else {
            Issue.record("load \(value) was read")
            return
        }
    }

    @Test func duplicatePrometheusSeriesFailTheRead() throws {
        let twice = Self.figures() + [("substation_active_sessions", "h:1", "4")]
        guard case .failure = try Self.read(Self.vector(twice)) else {
            Issue.record("a duplicated series was read")
            return
        }
        let twoStamps = Self.vector([("substation_load", "h:1", "1700000000"), ("substation_load", "h:1", "1700000001")])
        guard case .failure = try Self.read(Self.vector(Self.figures()), timestamps: twoStamps) else {
            Issue.record("two timestamps were read")
            return
        }
        guard case .failure = try Self.read(Self.vector(Self.figures()), timestamps: Self.vector([("substation_load", "h:1", "NaN")]))
        else {
            Issue.record("a NaN timestamp was read")
            return
        }
    }

    /// Mutated Prometheus answers: the decoder throws or gives samples, the reader fails or gives finite figures.
    @Test func mutatedPrometheusAnswersNeverCrash() {
        var generator = SeededGenerator(seed: 80)
        let seed = Array(Self.vector(Self.figures()))
        let alphabet = Array(#"{}[]":,0123456789.eE+-NaInf "#.utf8)
        var decoded = 0
        for _ in 0..<5_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.remove(at: at)
                case 1: bytes[at] = alphabet.randomElement(using: &generator)!
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                }
            }
            guard let samples = try? PrometheusVectorSample.decode(Data(bytes)) else { continue }
            decoded += 1
            let stamps = (try? PrometheusVectorSample.decode(Self.vector([("substation_load", "h:1", "1700000000")]))) ?? []
            if case .success(let reading) = PrometheusLoadReader.reading(
                of: "h:1", figures: samples, timestamps: stamps, clockOffset: 1_699_999_000)
            {
                #expect(reading.figures.load.isFinite && reading.figures.activeSessions >= 0 && reading.takenAt.isFinite)
            }
        }
        #expect(decoded > 500, "many mutations still decode: \(decoded)")
    }
}

import GridCore
import Testing

/// Whatever a substation's `/metrics` serves is either believable figures or a read error:
/// never a trap, never a NaN or a negative count that reaches the load view.
@Suite struct ScrapedFiguresTests {
    static func exposition(
        load: String = "0.4375", capacity: String = "400000", power: String = "175000", active: String = "7",
        points: String = "20", baseLoad: String? = "120000", pointMax: String? = "50000", extra: String = ""
    ) -> String {
        var text = """
            # HELP substation_load load
            # TYPE substation_load gauge
            substation_load{substation="S1"} \(load)
            substation_capacity_watts{substation="S1"} \(capacity)
            substation_power_watts{substation="S1"} \(power)
            substation_active_sessions{substation="S1"} \(active)
            substation_charging_points{substation="S1"} \(points)
            substation_sessions_total{substation="S1",outcome="admitted"} 12

            """
        if let baseLoad { text += "substation_base_load_watts{substation=\"S1\"} \(baseLoad)\n" }
        if let pointMax { text += "substation_point_max_watts{substation=\"S1\"} \(pointMax)\n" }
        return text + extra
    }

    @Test func readsEveryFigure() throws {
        let figures = try ScrapedFigures.read(exposition: Self.exposition())
        #expect(
            figures
                == ScrapedFigures(
                    substationId: "S1", load: 0.4375, capacityKW: 400, powerKW: 175, activeSessions: 7, chargingPoints: 20,
                    baseLoadKW: 120, pointMaxKW: 50))
    }

    @Test func anOlderSubstationWithoutThePointMaximumStillReads() throws {
        let figures = try ScrapedFigures.read(exposition: Self.exposition(baseLoad: nil, pointMax: nil))
        #expect(figures.pointMaxKW == nil && figures.baseLoadKW == nil)
    }

    @Test(arguments: [
        ("active", "1e300"), ("active", "-1"), ("active", "2.5"), ("active", "NaN"), ("active", "+Inf"),
        ("active", "9223372036854775807"), ("points", "1e19"), ("points", "-Inf"), ("points", "0.1"),
        ("load", "NaN"), ("load", "-0.5"), ("load", "+Inf"), ("load", "1e300"),
        ("capacity", "0"), ("capacity", "-400000"), ("capacity", "NaN"), ("capacity", "1e300"),
        ("power", "NaN"), ("power", "-Inf"), ("power", "-1"), ("baseLoad", "NaN"), ("baseLoad", "-5"),
        ("pointMax", "0"), ("pointMax", "+Inf"), ("pointMax", "-50000"),
    ])
    func unbelievableValuesFailTheRead(field: String, value: String) {
        let text =
            switch field {
            case "active": Self.exposition(active: value)
            case "points": Self.exposition(points: value)
            case "load": Self.exposition(load: value)
            case "capacity": Self.exposition(capacity: value)
            case "power": Self.exposition(power: value)
            case "baseLoad": Self.exposition(baseLoad: value)
            default: Self.exposition(pointMax: value)
            }
        #expect(throws: ScrapedFigures.ReadError.self) { try ScrapedFigures.read(exposition: text) }
    }

    @Test func duplicateSeriesFailTheRead() {
        let twice = Self.exposition(extra: "substation_active_sessions{substation=\"S2\"} 3\n")
        #expect(throws: ScrapedFigures.ReadError.duplicateSeries("substation_active_sessions")) {
            try ScrapedFigures.read(exposition: twice)
        }
    }

    @Test func aHugeBodyFailsTheRead() {
        let padding = String(repeating: "# padding padding padding padding padding padding padding padding\n", count: 160_000)
        let text = Self.exposition(extra: padding)
        #expect(text.utf8.count > 10_000_000)
        #expect(throws: ScrapedFigures.ReadError.tooLarge(bytes: text.utf8.count)) { try ScrapedFigures.read(exposition: text) }
    }

    /// Mutated expositions: each read either throws or gives figures a load view can use.
    @Test func mutatedExpositionsNeverCrashAndNeverGiveUnusableFigures() {
        var generator = SeededGenerator(seed: 79)
        let values = ["0", "1", "-1", "7", "2.5", "1e300", "-1e300", "NaN", "+Inf", "-Inf", "9223372036854775807", "1e-300", "20"]
        let fields = ["load", "capacity", "power", "active", "points", "baseLoad", "pointMax"]
        var read = 0
        for round in 0..<5_000 {
            var chosen: [String: String] = [:]
            for field in fields where Int.random(in: 0..<3, using: &generator) == 0 {
                chosen[field] = values.randomElement(using: &generator)!
            }
            var text = Self.exposition(
                load: chosen["load"] ?? "0.4", capacity: chosen["capacity"] ?? "400000", power: chosen["power"] ?? "1000",
                active: chosen["active"] ?? "3", points: chosen["points"] ?? "20", baseLoad: chosen["baseLoad"] ?? "1000",
                pointMax: chosen["pointMax"] ?? "50000")
            var bytes = Array(text.utf8)
            if round % 3 == 0 {
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    let at = Int.random(in: 0..<bytes.count, using: &generator)
                    bytes[at] = Array("0123456789.e-+NaIf {}\"\n".utf8).randomElement(using: &generator)!
                }
                text = String(decoding: bytes, as: UTF8.self)
            }
            guard let figures = try? ScrapedFigures.read(exposition: text) else { continue }
            read += 1
            #expect(figures.load.isFinite && figures.load >= 0, "round \(round)")
            #expect(figures.capacityKW.isFinite && figures.capacityKW > 0, "round \(round)")
            #expect(figures.powerKW.isFinite && figures.powerKW >= 0, "round \(round)")
            #expect(figures.activeSessions >= 0 && figures.activeSessions <= ScrapedFigures.countLimit, "round \(round)")
            #expect(figures.chargingPoints >= 0 && figures.chargingPoints <= ScrapedFigures.countLimit, "round \(round)")
            #expect(figures.baseLoadKW.map { $0.isFinite && $0 >= 0 } ?? true, "round \(round)")
            #expect(figures.pointMaxKW.map { $0.isFinite && $0 > 0 } ?? true, "round \(round)")
            // What the view derives from them is finite too.
            var view = LoadView(urls: ["http://s"])
            view.scrapeSucceeded(view.beginScrape(of: 0, at: 0), figures: figures, at: 0)
            _ = view.reserve(0, powerKW: 350)
            #expect(view.substations[0].effectiveLoad.isFinite, "round \(round)")
        }
        #expect(read > 500, "many mutations stay believable: \(read)")
    }
}

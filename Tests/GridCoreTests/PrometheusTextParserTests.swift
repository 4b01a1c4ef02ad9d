import GridCore
import Testing

@Suite struct PrometheusTextParserTests {
    /// What swift-prometheus and Prometheus's own Go client write, edge cases included.
    static let exposition = """
        # HELP substation_load (base load + requested power) / capacity; with a \\\\ backslash
        # TYPE substation_load gauge
        substation_load{substation="S1"} 0.42
        # HELP http_requests_total Requests.
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027 1395066363000
        http_requests_total{method="post",code="400"}    3 1395066363000
        msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
        metric_without_timestamp_and_labels 12.47
        something_weird{problem="division by zero"} +Inf -3982045
        nan_metric NaN
        negative_infinity -Inf
        # a free comment
        rpc_duration_seconds{quantile="0.99",} 76656
        rpc_duration_seconds_bucket{le="+Inf"} 2693

        trailing_space_metric 1 \r
        """

    @Test func readsEverySample() throws {
        let samples = try PrometheusTextParser.parse(Self.exposition)
        #expect(samples.count == 11)
        #expect(samples.value(of: "substation_load", where: ["substation": "S1"]) == 0.42)
        let counter = samples.first { $0.name == "http_requests_total" && $0.labels["code"] == "200" }
        #expect(counter?.value == 1027)
        #expect(counter?.timestampMilliseconds == 1_395_066_363_000)
        #expect(samples.value(of: "http_requests_total", where: ["code": "400"]) == 3)
    }

    @Test func unescapesLabelValues() throws {
        let samples = try PrometheusTextParser.parse(Self.exposition)
        let file = try #require(samples.first { $0.name == "msdos_file_access_time_seconds" })
        #expect(file.labels["path"] == #"C:\DIR\FILE.TXT"#)
        #expect(file.labels["error"] == "Cannot find file:\n\"FILE.TXT\"")
        #expect(file.value == 1.458255915e9)
    }

    @Test func readsSpecialValues() throws {
        let samples = try PrometheusTextParser.parse(Self.exposition)
        #expect(samples.value(of: "something_weird") == .infinity)
        #expect(samples.first { $0.name == "something_weird" }?.timestampMilliseconds == -3_982_045)
        #expect(samples.value(of: "nan_metric")?.isNaN == true)
        #expect(samples.value(of: "negative_infinity") == -.infinity)
        #expect(samples.value(of: "rpc_duration_seconds_bucket", where: ["le": "+Inf"]) == 2693)
        #expect(samples.value(of: "rpc_duration_seconds", where: ["quantile": "0.99"]) == 76656)
    }

    @Test(arguments: [
        "<html><body>502 Bad Gateway</body></html>",
        "metric{label=\"unterminated} 1",
        "metric{label=unquoted} 1",
        "metric 1.2.3",
        "metric nan",
        "metric",
        "metric{a=\"1\",a=\"2\"} 1",
        "metric 1 notatimestamp",
        "metric 1 2 3",
        "9metric 1",
        "metric{label=\"x\"\u{0}} 1",
    ])
    func rejectsGarbageWithALineNumber(_ text: String) {
        #expect(throws: ExpositionSyntaxError.self) {
            try PrometheusTextParser.parse("ok_metric 1\n" + text)
        }
        do {
            _ = try PrometheusTextParser.parse("ok_metric 1\n" + text)
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func randomBytesNeverCrashTheParser() {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("ab_:{}=\",\\ \n#+-.0123456789eEInfNa\t".utf8)
        for _ in 0..<3_000 {
            let length = Int.random(in: 0...80, using: &generator)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &generator) ? alphabet.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
            // Either parses or throws a syntax error; anything else (a trap) fails the test run.
            _ = try? PrometheusTextParser.parse(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func readsTheEnergyFiguresWhenExported() throws {
        let text = """
            substation_load{substation="S7"} 0.5
            substation_capacity_watts{substation="S7"} 400000.0
            substation_power_watts{substation="S7"} 150000
            substation_active_sessions{substation="S7"} 3.0
            substation_charging_points{substation="S7"} 20.0
            substation_energy_delivered_joules_total{substation="S7"} 36000000
            substation_energy_requested_joules_total{substation="S7"} 72000000
            """
        let figures = try ScrapedFigures.read(exposition: text)
        #expect(figures.energyDeliveredKWh == 10)
        #expect(figures.energyRequestedKWh == 20)
    }

    @Test func readsTheFiguresTheBalancerRoutesOn() throws {
        let text = """
            substation_load{substation="S7"} 0.5
            substation_capacity_watts{substation="S7"} 400000.0
            substation_power_watts{substation="S7"} 150000
            substation_active_sessions{substation="S7"} 3.0
            substation_charging_points{substation="S7"} 20.0
            """
        let figures = try ScrapedFigures.read(exposition: text)
        #expect(
            figures == ScrapedFigures(substationId: "S7", load: 0.5, capacityKW: 400, powerKW: 150, activeSessions: 3, chargingPoints: 20))
        #expect(throws: ScrapedFigures.ReadError.missingMetric("substation_load")) {
            try ScrapedFigures.read(exposition: "up 1")
        }
    }
}

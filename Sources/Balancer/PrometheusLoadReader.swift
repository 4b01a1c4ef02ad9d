import Foundation
import GridCore
import GridHTTP

/// Reads substation loads from Prometheus's query API instead of scraping substations, for
/// sites where only Prometheus may reach them.
///
/// Staleness: a figure is as old as Prometheus's last scrape of that substation (its scrape
/// interval, 2 s under `smartgrid up`), plus the poll interval. Own-dispatch accounting still
/// counts every dispatch confirmed after the sample's timestamp, so bursts still spread; but
/// sessions that end are seen later, and a dead substation is noticed only when Prometheus's
/// `up` for it turns 0 (or a dispatch is refused). Clocks of Prometheus and balancer are
/// assumed to agree.
public struct PrometheusLoadReader: LoadReader {
    let upstream: Upstream
    let prometheusURL: String
    let timeout: Duration

    public init(upstream: Upstream, prometheusURL: String, timeout: Duration) {
        self.upstream = upstream
        self.prometheusURL = prometheusURL
        self.timeout = timeout
    }

    public var sourceName: String { "prometheus=\(prometheusURL)" }

    static let figureQuery =
        #"{__name__=~"substation_load|substation_capacity_watts|substation_power_watts|substation_active_sessions|substation_charging_points|substation_base_load_watts|substation_point_max_watts|up"}"#
    static let timestampQuery = "timestamp(substation_load)"

    public func read(_ urls: [String], now: @escaping @Sendable () -> Double) async -> [Result<LoadReading, LoadReadFailure>] {
        let figures: [PrometheusVectorSample]
        let timestamps: [PrometheusVectorSample]
        do {
            figures = try await query(Self.figureQuery)
            timestamps = try await query(Self.timestampQuery)
        } catch {
            return urls.map { _ in .failure(LoadReadFailure(refused: false, reason: "prometheus: \(error)")) }
        }
        let clockOffset = Date().timeIntervalSince1970 - now()
        return urls.map { url in
            Self.reading(of: Self.instance(of: url), figures: figures, timestamps: timestamps, clockOffset: clockOffset)
        }
    }

    /// One substation's figures from the answers of both queries; anything not believable
    /// (missing, duplicated, not finite, out of range) fails this substation's read only.
    static func reading(
        of instance: String, figures: [PrometheusVectorSample], timestamps: [PrometheusVectorSample], clockOffset: Double
    ) -> Result<LoadReading, LoadReadFailure> {
        let series = figures.filter { $0.labels["instance"] == instance }
        func samples(_ name: String) -> [PrometheusVectorSample] { series.filter { $0.labels["__name__"] == name } }
        for name in ["up"] + ScrapedFigures.metricNames where samples(name).count > 1 {
            return .failure(LoadReadFailure(refused: false, reason: "prometheus has \(name) twice for \(instance)"))
        }
        func value(_ name: String) -> Double? { samples(name).first?.value }
        guard value("up") != 0 else {
            return .failure(LoadReadFailure(refused: false, reason: "prometheus reports \(instance) down"))
        }
        let stamps = timestamps.filter { $0.labels["instance"] == instance }
        guard let load = samples("substation_load").first,
            let capacity = value("substation_capacity_watts"), let power = value("substation_power_watts"),
            let active = value("substation_active_sessions"), let points = value("substation_charging_points"),
            stamps.count == 1, let sampledAt = stamps.first?.value
        else {
            return .failure(LoadReadFailure(refused: false, reason: "prometheus has no fresh figures for \(instance)"))
        }
        let takenAt = sampledAt - clockOffset
        guard takenAt.isFinite else {
            return .failure(LoadReadFailure(refused: false, reason: "prometheus gave \(instance) no usable timestamp"))
        }
        do {
            let reading = try ScrapedFigures.validated(
                substationId: load.labels["substation"] ?? instance, load: load.value, capacityWatts: capacity, powerWatts: power,
                activeSessions: active, chargingPoints: points, baseLoadWatts: value("substation_base_load_watts"),
                pointMaxWatts: value("substation_point_max_watts"))
            return .success(LoadReading(figures: reading, takenAt: takenAt))
        } catch {
            return .failure(LoadReadFailure(refused: false, reason: "prometheus figures for \(instance): \(error)"))
        }
    }

    /// `host:port` of a URL: how Prometheus names a target.
    static func instance(of url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        let port = components.port ?? (components.scheme == "https" ? 443 : 80)
        return "\(host):\(port)"
    }

    private func query(_ promQL: String) async throws -> [PrometheusVectorSample] {
        var components = URLComponents(string: prometheusURL + "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promQL)]
        let answer = try await upstream.send(.GET, components.url!.absoluteString, timeout: timeout)
        guard answer.status == 200 else { throw UpstreamFailure.unreachable("query answered \(answer.status)") }
        return try PrometheusVectorSample.decode(answer.data)
    }
}

/// One sample of an instant-vector answer of Prometheus's HTTP API.
struct PrometheusVectorSample: Sendable {
    var labels: [String: String]
    var value: Double

    private struct Envelope: Decodable {
        var status: String
        var data: Payload?
    }

    private struct Payload: Decodable {
        var resultType: String
        var result: [Entry]
    }

    private struct Entry: Decodable {
        var metric: [String: String]
        var value: [ValueItem]
    }

    /// `[<unix time>, "<value as string>"]`
    private enum ValueItem: Decodable {
        case number(Double)
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else {
                self = .text(try container.decode(String.self))
            }
        }
    }

    struct UnexpectedAnswer: Error {}

    static func decode(_ data: Data) throws -> [PrometheusVectorSample] {
        let envelope = try JSONDecoder().decode(Envelope.self, from: data)
        guard envelope.status == "success", let payload = envelope.data, payload.resultType == "vector" else {
            throw UnexpectedAnswer()
        }
        return payload.result.compactMap { entry in
            guard entry.value.count == 2, case .text(let text) = entry.value[1],
                let value = PrometheusTextParser.parseValue(text)
            else { return nil }
            return PrometheusVectorSample(labels: entry.metric, value: value)
        }
    }
}

import GridCore
import GridHTTP

/// One substation's figures as read, dated on the balancer's clock by when they were true.
public struct LoadReading: Sendable {
    public var figures: ScrapedFigures
    public var takenAt: Double
}

/// Why a substation's figures could not be read this round.
public struct LoadReadFailure: Error, Sendable {
    public var refused: Bool
    public var reason: String
}

/// Where the balancer's load figures come from: the substations themselves, or Prometheus.
public protocol LoadReader: Sendable {
    /// How `GET /substations` names this source: `scrape` or `prometheus=URL`.
    var sourceName: String { get }

    /// Reads every substation, in the order of `urls`; `now` is the balancer's clock.
    func read(_ urls: [String], now: @escaping @Sendable () -> Double) async -> [Result<LoadReading, LoadReadFailure>]
}

/// Scrapes each substation's `/metrics` directly, all at once, each with a timeout.
public struct DirectScrapeReader: LoadReader {
    let client: any SubstationClient
    let timeout: Duration

    public init(client: any SubstationClient, timeout: Duration) {
        self.client = client
        self.timeout = timeout
    }

    public var sourceName: String { "scrape" }

    public func read(_ urls: [String], now: @escaping @Sendable () -> Double) async -> [Result<LoadReading, LoadReadFailure>] {
        await withTaskGroup(of: (Int, Result<LoadReading, LoadReadFailure>).self) { group in
            for (index, url) in urls.enumerated() {
                group.addTask {
                    let takenAt = now()
                    do {
                        let text = try await client.scrapeMetrics(url, timeout: timeout)
                        return (index, .success(LoadReading(figures: try ScrapedFigures.read(exposition: text), takenAt: takenAt)))
                    } catch let failure as UpstreamFailure {
                        return (index, .failure(LoadReadFailure(refused: failure == .refused, reason: "\(failure)")))
                    } catch {
                        return (index, .failure(LoadReadFailure(refused: false, reason: "unreadable metrics: \(error)")))
                    }
                }
            }
            var results = [Result<LoadReading, LoadReadFailure>?](repeating: nil, count: urls.count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }
}

import Foundation
import GridHTTP
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Prometheus
import Testing

/// A scrape shows the figures of one refresh, even with other scrapes at the same moment.
@Suite struct MetricsEndpointTests {
    @Test func concurrentScrapesEachShowOneRefresh() async throws {
        let registry = PrometheusCollectorRegistry()
        let up = registry.gauge(name: "test_up", help: "a refresh's number")
        let down = registry.gauge(name: "test_down", help: "minus a refresh's number")
        let refreshes = NIOLockedValueBox(0)
        let router = Router()
        // Each refresh sets two gauges whose sum is always 0, the second after the first.
        MetricsEndpoint.add(to: router, registry: registry) {
            let n = Double(
                refreshes.withLockedValue { count in
                    count += 1
                    return count
                })
            up.set(n)
            usleep(100)  // widens the gap between the two
            down.set(-n)
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            let pages = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var pages: [String] = []
                        for _ in 0..<100 {
                            pages.append(try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) })
                        }
                        return pages
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(pages.count == 400)
            for page in pages {
                let up = Self.value("test_up", in: page)
                let down = Self.value("test_down", in: page)
                #expect(up != nil && up == down.map { -$0 }, "a page mixed two refreshes: \(page)")
            }
        }
    }

    static func value(_ name: String, in page: String) -> Double? {
        page.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }
}

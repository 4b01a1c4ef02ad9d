import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// The dashboard in a real headless browser, against a live grid with traffic.
@Suite(.serialized) struct DashboardTests {
    static let artifacts: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-test-artifacts")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }()

    @Test func dashboardShowsEverySubstationLiveAndFetchesNothingFromOutside() async throws {
        let grid = try await TestGrid.start(GridEndToEndTests.unequal)
        defer { grid.stop() }
        let page = grid.gateway.url + "/dashboard"
        try await TestHTTP.withClient { http in
            let html = try await http.get(page)
            #expect(html.status == 200)
            #expect(html.contentType?.hasPrefix("text/html") == true)
            let source = String(decoding: html.body, as: UTF8.self)
            #expect(!source.contains("src=\"http") && !source.contains("href=\"http"), "no third-party file")

            _ = try await burst(http, to: grid.chargeRequests, count: 20, concurrency: 4, body: GridEndToEndTests.car)
            // The gateway has a few seconds of history: a page opened now must draw them at once.
            _ = try await TestHTTP.eventually("five seconds of grid history") {
                (try await http.get(grid.gateway.url + "/api/v1/grid/history").json?["samples"] as? [Any])?.count ?? 0 >= 5
            }
            let netLog = Self.artifacts.appendingPathComponent("dashboard-netlog.json")
            let screenshot = Self.artifacts.appendingPathComponent("dashboard.png")
            let script = Tools.path("Tests/EndToEndTests/Support/browse_dashboard.py").path
            let errors = Self.artifacts.appendingPathComponent("dashboard-driver.log")
            let (status, output) = try Tools.run(
                "sh",
                [
                    "-c", "exec python3 \"$0\" \"$1\" \"$2\" \"$3\" 2>\"$4\"", script, grid.gateway.url, screenshot.path, netLog.path,
                    errors.path,
                ],
                includeErrors: false)
            try #require(status == 0, "browser driver failed: \((try? String(contentsOf: errors, encoding: .utf8)) ?? output)")
            let seen = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let first = try #require(seen["first"] as? [String: Any])
            let second = try #require(seen["second"] as? [String: Any])
            #expect(Set(first["substations"] as? [String] ?? []) == ["S1", "S2", "S3", "S4"], "every substation on the page")
            #expect(first["connection"] as? String == "live")
            // At its first frame the chart already holds the history, not a single point.
            #expect(first["chartPoints"] as? Int ?? 0 >= 5, "points of the longest line at the first frame: \(first)")
            #expect(first["sessions"] as? String != "–")
            #expect(
                first["sessions"] as? String != second["sessions"] as? String, "numbers change between two samples: \(first) then \(second)"
            )
            #expect((second["decisions"] as? String ?? "").contains("EV-"), "recent decisions listed")
            #expect(second["queue"] as? String == "0", "the waiting line is shown (empty: the grid has room)")

            // Every URL the page asked for was on this machine (the browser's own services are cut off by
            // its resolver rules; its network log is kept beside the screenshot).
            let requested = (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])?["requested"] as? [String] ?? []
            #expect(requested.contains { $0.hasSuffix("/dashboard") } && requested.contains { $0.hasSuffix("/api/v1/grid/stream") })
            #expect(requested.allSatisfy { $0.hasPrefix(grid.gateway.url) }, "the page fetched: \(requested)")
            let size = (try FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? NSNumber)?.intValue ?? 0
            #expect(size > 20_000, "screenshot at \(screenshot.path)")
            print("dashboard screenshot: \(screenshot.path)")
        }
    }

    @Test func theStreamSaysWhenTheBalancerIsGone() async throws {
        let grid = try await TestGrid.start([.init(capacityKW: 400, points: 20)])
        defer { grid.stop() }
        _ = grid.balancer.stop()
        try await TestHTTP.withClient { http in
            var request = HTTPClientRequestForStream(url: grid.gateway.url + "/api/v1/grid/stream")
            let text = try await request.firstEvent(http)
            #expect(text.contains(#""balancerReachable":false"#), "\(text)")
        }
    }
}

/// A dashboard opened mid-run gets the last five minutes before anything else, over plain HTTP.
@Suite(.serialized) struct DashboardHistoryTests {
    @Test func aPageOpenedMidRunGetsTheLastMinutesFirst() async throws {
        let grid = try await TestGrid.start(GridEndToEndTests.unequal)
        defer { grid.stop() }
        try await TestHTTP.withClient { http in
            _ = try await burst(http, to: grid.chargeRequests, count: 40, concurrency: 4, body: GridEndToEndTests.car)
            func sessions(in sample: [String: Any]?) -> Int {
                (sample?["substations"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["activeSessions"] as? Int ?? 0) }
            }
            var history: [[String: Any]] = []
            _ = try await TestHTTP.eventually("five samples of every substation, the last with the 40 sessions booked") {
                let answer = try await http.get(grid.gateway.url + "/api/v1/grid/history")
                let samples = answer.json?["samples"] as? [[String: Any]] ?? []
                history = samples
                let complete = samples.filter { ($0["substations"] as? [[String: Any]])?.count == 4 }
                return complete.count >= 5 && sessions(in: samples.last) == 40
            }
            let times = history.compactMap { ($0["time"] as? String).flatMap { try? Date($0, strategy: .iso8601) } }
            #expect(times.count == history.count && times == times.sorted(), "oldest first, every time RFC 3339")
            #expect((times.last ?? .distantPast).timeIntervalSince(times.first ?? .distantFuture) <= 300)
            let last = try #require(history.last?["substations"] as? [[String: Any]])
            #expect(Set(last.compactMap { $0["id"] as? String }) == ["S1", "S2", "S3", "S4"])

            // The stream opens with the same history, before its first grid frame.
            var request = HTTPClientRequestForStream(url: grid.gateway.url + "/api/v1/grid/stream")
            let text = try await request.firstEvent(http)
            let historyEvent = try #require(text.range(of: "event: history\ndata: "))
            #expect(historyEvent.lowerBound < (text.range(of: "event: grid")?.lowerBound ?? text.startIndex))
            let data = text[historyEvent.upperBound...].prefix { $0 != "\n" }
            let streamed = try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
            #expect((streamed?["samples"] as? [Any])?.count ?? 0 >= 5)
            #expect(streamed?["windowSeconds"] as? Double == 300)
        }
    }
}

/// Reads the first `grid` event of a Server-Sent Events stream, then lets go.
struct HTTPClientRequestForStream {
    var url: String

    mutating func firstEvent(_ http: TestHTTP) async throws -> String {
        let response = try await http.client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        var text = ""
        for try await chunk in response.body {
            text += String(buffer: chunk)
            if text.contains("event: grid"), text.hasSuffix("\n\n") { break }
        }
        return text
    }
}

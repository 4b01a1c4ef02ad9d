import AsyncHTTPClient
import Foundation
import GridHTTP
import Hummingbird
import HummingbirdTesting
import LoadTest
import Synchronization
import Testing

/// The load tester against stand-in gateways on real sockets: one that answers at once, one that stalls.
@Suite(.serialized) struct LoadTestRunnerTests {
    /// A gateway stand-in: every charge request admitted by substation S1 or S2, after `delay`.
    static func stubGateway(delay: Duration) -> some ApplicationProtocol {
        let router = Router()
        let counter = Counter()
        router.post("/api/v1/charge-requests") { _, _ -> Response in
            if delay > .zero { try await Task.sleep(for: delay) }
            let id = counter.next() % 2 == 0 ? "S1" : "S2"
            return Response(
                status: .created, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"id":"x","substationId":"\#(id)","status":"charging"}"#)))
        }
        router.get("/api/v1/grid") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"substations":[{"id":"S1","load":0.5},{"id":"S2","load":0.4}]}"#)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    final class Counter: Sendable {
        private let value = Locked(0)
        func next() -> Int {
            value.withLock {
                $0 += 1
                return $0
            }
        }
    }

    static func run(_ plan: @escaping @Sendable (String) -> LoadTestPlan, against app: some ApplicationProtocol) async throws
        -> LoadTestReport
    {
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let http = LoadTestRunner.makeClient(connections: 256)
            let report = await LoadTestRunner(plan: plan("http://127.0.0.1:\(port)"), client: http).run()
            try await http.shutdown()
            return report
        }
    }

    @Test func openLoopKeepsItsRateAndDuration() async throws {
        let report = try await Self.run(
            { LoadTestPlan(target: $0, mode: .open(ArrivalSchedule(rate: 100, duration: 3, arrivals: .constant))) },
            against: Self.stubGateway(delay: .zero))
        #expect(abs(Double(report.requests) - 300) / 300 <= 0.05, "\(report.requests) requests")
        #expect(abs(report.durationSeconds - 3) / 3 <= 0.2, "\(report.durationSeconds) s")
        #expect(report.statuses == ["201": report.requests])
        #expect(report.assignments.values.reduce(0, +) == report.requests)
        #expect(report.balance != nil && report.grid.count >= 2, "the grid was sampled during the run")
    }

    /// A stalled target shows up as high latency, not as a low request rate with good latency.
    @Test func aStalledTargetShowsAsHighLatency() async throws {
        let report = try await Self.run(
            { LoadTestPlan(target: $0, mode: .open(ArrivalSchedule(rate: 20, duration: 2, arrivals: .constant))) },
            against: Self.stubGateway(delay: .seconds(1)))
        #expect(abs(report.requests - 40) <= 1, "every scheduled request was sent: \(report.requests)")
        #expect(report.latency.p50 >= 0.95, "p50 \(report.latency.p50) s")
        #expect(report.latency.max < 2.5)
    }

    /// A gateway stand-in with a full grid: every car asked to wait joins the line (202) and is
    /// shown charging from its second look on; a car that does not say it waits gets 503.
    static func queueingGateway() -> some ApplicationProtocol {
        let router = Router()
        let looks = Locked([String: Int]())
        let counter = Counter()
        router.post("/api/v1/charge-requests") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            guard json?["maxWaitMinutes"] as? Int == 5 else {
                return Response(status: .serviceUnavailable, headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
            }
            let id = "q-\(counter.next())"
            return Response(
                status: .accepted, headers: [.contentType: "application/json", .location: "/api/v1/charge-requests/\(id)"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"id":"\#(id)","status":"queued","queuePosition":1}"#)))
        }
        router.get("/api/v1/charge-requests/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            let look = looks.withLock { looks in
                looks[id, default: 0] += 1
                return looks[id]!
            }
            let status = look >= 2 ? "charging" : "queued"
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"id":"\#(id)","status":"\#(status)"}"#)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// With --max-wait, cars answered 202 are followed until they charge; the report says how long they waited.
    @Test func waitingCarsAreFollowedUntilTheyCharge() async throws {
        let report = try await Self.run(
            { target in
                var plan = LoadTestPlan(target: target, mode: .closed(requests: 12, concurrency: 4))
                plan.maxWaitMinutes = 5
                return plan
            }, against: Self.queueingGateway())
        #expect(report.statuses == ["202": 12])
        let waits = try #require(report.waits)
        #expect(waits.endings == ["admitted": 12])
        #expect(waits.p50 >= 0.9 && waits.max < 5, "two looks half a second apart: \(waits)")
        #expect(LoadTestOutput.summary(report).contains("waited in line"))
    }

    @Test func closedLoopSendsExactlyItsRequests() async throws {
        let report = try await Self.run(
            { LoadTestPlan(target: $0, mode: .closed(requests: 250, concurrency: 8)) }, against: Self.stubGateway(delay: .zero))
        #expect(report.requests == 250)
        #expect(report.errors == 0)
        #expect(report.assignments == ["S1": 125, "S2": 125])
        let json = try JSONSerialization.jsonObject(with: try LoadTestOutput.json(report)) as? [String: Any]
        #expect((json?["assignments"] as? [String: Int])?["S1"] == 125, "assignments keyed by substation id")
        #expect(FailureThreshold("error-rate>0")!.isCrossed(by: report) == false)
        #expect(FailureThreshold("rps<1000000")!.isCrossed(by: report) == true)
    }

    /// The HTML report opens in a real browser and shows its charts.
    @Test func htmlReportRendersInHeadlessChromium() async throws {
        let report = try await Self.run(
            { LoadTestPlan(target: $0, mode: .open(ArrivalSchedule(rate: 50, duration: 2, arrivals: .poisson))) },
            against: Self.stubGateway(delay: .milliseconds(5)))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let page = directory.appendingPathComponent("report.html")
        try LoadTestOutput.html(report).write(to: page, atomically: true, encoding: .utf8)
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is missing: ./scripts/test.sh installs it")
        let quiet = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND",
        ]
        let dom = try Self.run(browser, quiet + ["--dump-dom", page.absoluteString])
        #expect(dom.components(separatedBy: "<svg").count - 1 == 4, "four charts in the rendered page")
        #expect(dom.contains("<polyline"), "lines drawn")
        let screenshot = directory.appendingPathComponent("report.png")
        _ = try Self.run(browser, quiet + ["--window-size=1000,1600", "--screenshot=\(screenshot.path)", page.absoluteString])
        let size = (try FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? NSNumber)?.intValue ?? 0
        #expect(size > 20_000, "a screenshot with content (\(size) bytes) at \(screenshot.path)")
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A value shared between test tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

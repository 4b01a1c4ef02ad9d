import AsyncHTTPClient
import Foundation
import GridCore
import GridHTTP
import Histogram
import NIOCore
import NIOHTTP1
import Synchronization

/// Runs a load test plan against a gateway over one pooled HTTP client.
public struct LoadTestRunner: Sendable {
    public let plan: LoadTestPlan
    let client: HTTPClient
    /// Called about once a second with (requests done, errors, p99 so far in seconds, seconds elapsed).
    let progress: @Sendable (Int, Int, Double, Double) -> Void

    public init(
        plan: LoadTestPlan, client: HTTPClient, progress: @escaping @Sendable (Int, Int, Double, Double) -> Void = { _, _, _, _ in }
    ) {
        self.plan = plan
        self.client = client
        self.progress = progress
    }

    /// A client sized for load: many connections per host, no retry of refused connections.
    public static func makeClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, connections))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func run() async -> LoadTestReport {
        let recorder = LoadTestRecorder()
        let start = ContinuousClock.now
        let elapsed = { @Sendable () -> Double in
            let duration = ContinuousClock.now - start
            return duration.inSeconds
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sampleGrid(recorder, elapsed: elapsed) }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    guard !Task.isCancelled else { break }
                    let now = recorder.progress
                    progress(now.completed, now.errors, now.p99, elapsed())
                }
            }
            switch plan.mode {
            case .closed(let requests, let concurrency, let timeLimit):
                await runClosed(requests: requests, concurrency: concurrency, timeLimit: timeLimit, recorder: recorder, elapsed: elapsed)
            case .open(let schedule):
                await runOpen(schedule, recorder: recorder, start: start, elapsed: elapsed)
            }
            group.cancelAll()
        }
        let duration = elapsed()
        await sampleOnce(recorder, elapsed: elapsed)
        return report(recorder.final, duration: duration)
    }

    private func runClosed(
        requests: Int, concurrency: Int, timeLimit: Double?, recorder: LoadTestRecorder, elapsed: @escaping @Sendable () -> Double
    ) async {
        let next = SharedCounter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let index = next.add(1) - 1
                        guard index < requests, elapsed() < timeLimit ?? .infinity else { return }
                        await send(plan.chargeRequest(at: index), intended: ContinuousClock.now, elapsed: elapsed, recorder: recorder)
                    }
                }
            }
        }
    }

    private func runOpen(
        _ schedule: ArrivalSchedule, recorder: LoadTestRecorder, start: ContinuousClock.Instant, elapsed: @escaping @Sendable () -> Double
    ) async {
        let times = schedule.sendTimes()
        let inFlight = SharedCounter()
        await withDiscardingTaskGroup { group in
            for (index, offset) in times.enumerated() {
                let intended = start + .nanoseconds(Int64(offset * 1e9))
                if intended > ContinuousClock.now { try? await Task.sleep(until: intended, clock: .continuous) }
                guard inFlight.add(1) <= plan.maxInFlight else {
                    _ = inFlight.add(-1)
                    recorder.record(RequestOutcome(status: 0, problemType: "client-overload", latency: .zero, completedAt: elapsed()))
                    continue
                }
                group.addTask {
                    await send(plan.chargeRequest(at: index), intended: intended, elapsed: elapsed, recorder: recorder)
                    _ = inFlight.add(-1)
                }
            }
        }
    }

    /// Sends one charge request and records its answer; a car answered 202 is then followed in line.
    private func send(
        _ body: WaitRequest, intended: ContinuousClock.Instant, elapsed: @Sendable () -> Double, recorder: LoadTestRecorder
    ) async {
        let (outcome, waitingAt) = await answer(body, intended: intended, elapsed: elapsed)
        recorder.record(outcome)
        if let waitingAt { await follow(waitingAt, waitingUpTo: Double(body.maxWaitMinutes) * 60, recorder: recorder) }
    }

    private func answer(_ body: WaitRequest, intended: ContinuousClock.Instant, elapsed: @Sendable () -> Double) async -> (
        RequestOutcome, waitingAt: String?
    ) {
        var request = HTTPClientRequest(url: plan.target + "/api/v1/charge-requests")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: (try? WireJSON.encoder.encode(body)) ?? Data()))
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(plan.requestTimeout.inNanoseconds))
            let answer = try await response.body.collect(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(answer.readableBytesView))) as? [String: Any]
            let status = Int(response.status.code)
            let outcome = RequestOutcome(
                status: status, problemType: status >= 400 ? json?["type"] as? String : nil,
                substationId: json?["substationId"] as? String, latency: ContinuousClock.now - intended, completedAt: elapsed())
            return (outcome, status == 202 ? response.headers.first(name: "Location") : nil)
        } catch {
            let problem = (error as? HTTPClientError) == .deadlineExceeded ? "client-timeout" : "no-answer"
            return (RequestOutcome(status: 0, problemType: problem, latency: ContinuousClock.now - intended, completedAt: elapsed()), nil)
        }
    }

    /// Follows a car in the waiting list until it charges or its wait ends (polled every half
    /// second, for at most its wait and half a minute more).
    private func follow(_ location: String, waitingUpTo seconds: Double, recorder: LoadTestRecorder) async {
        let start = ContinuousClock.now
        let limit = Duration.seconds(seconds + 30)
        while ContinuousClock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(500))
            var request = HTTPClientRequest(url: plan.target + location)
            request.method = .GET
            guard let response = try? await client.execute(request, timeout: .seconds(5)), response.status == .ok,
                let body = try? await response.body.collect(upTo: 1 << 20),
                let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any],
                let status = json["status"] as? String
            else { continue }
            switch status {
            case "queued": continue
            case "expired", "cancelled": return recorder.recordWait(ending: status, waited: ContinuousClock.now - start)
            default: return recorder.recordWait(ending: "admitted", waited: ContinuousClock.now - start)
            }
        }
        recorder.recordWait(ending: "unknown", waited: ContinuousClock.now - start)
    }

    private func sampleGrid(_ recorder: LoadTestRecorder, elapsed: @escaping @Sendable () -> Double) async {
        while !Task.isCancelled {
            await sampleOnce(recorder, elapsed: elapsed)
            try? await Task.sleep(for: .milliseconds(Int(plan.gridSampleInterval * 1000)))
        }
    }

    private func sampleOnce(_ recorder: LoadTestRecorder, elapsed: @Sendable () -> Double) async {
        var request = HTTPClientRequest(url: plan.target + "/api/v1/grid")
        request.method = .GET
        guard let response = try? await client.execute(request, timeout: .seconds(2)), response.status == .ok,
            let body = try? await response.body.collect(upTo: 4 << 20),
            let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any],
            let substations = json["substations"] as? [[String: Any]]
        else { return }
        var loads: [String: Double] = [:]
        for substation in substations {
            if let id = substation["id"] as? String, let load = substation["load"] as? Double { loads[id] = load }
        }
        recorder.record(GridSample(time: (elapsed() * 1000).rounded() / 1000, loads: loads))
    }

    private func report(_ state: LoadTestRecorder.State, duration: Double) -> LoadTestReport {
        let histogram = state.latency
        func latency(_ percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1e6 }
        var balances: [BalanceStatistics] = []
        for sample in state.gridSamples where !sample.loads.isEmpty {
            balances.append(BalanceStatistics(loads: sample.loads.keys.sorted().map { sample.loads[$0]! }))
        }
        var balance: LoadTestReport.Balance?
        if !balances.isEmpty {
            let count = Double(balances.count)
            balance = LoadTestReport.Balance(
                maxOverMean: balances.map(\.maxOverMean).reduce(0, +) / count,
                coefficientOfVariation: balances.map(\.coefficientOfVariation).reduce(0, +) / count,
                jainIndex: balances.map(\.jainIndex).reduce(0, +) / count, samples: balances.count)
        }
        var perSecond: [LoadTestReport.Second] = []
        for second in state.completedBySecond.keys.sorted() {
            let window = state.latencyBySecond[second]
            perSecond.append(
                LoadTestReport.Second(
                    time: second, requestsPerSecond: state.completedBySecond[second] ?? 0,
                    p50: Double(window?.valueAtPercentile(50) ?? 0) / 1e6, p99: Double(window?.valueAtPercentile(99) ?? 0) / 1e6))
        }
        var waits: LoadTestReport.Waits?
        if !state.waitEndings.isEmpty {
            func wait(_ percentile: Double) -> Double { Double(state.waits.valueAtPercentile(percentile)) / 1000 }
            waits = LoadTestReport.Waits(
                endings: state.waitEndings, p50: wait(50), p90: wait(90), p99: wait(99), max: Double(state.waits.max) / 1000)
        }
        let mode: String =
            switch plan.mode {
            case .closed: "closed"
            case .open: "open"
            }
        return LoadTestReport(
            target: plan.target, mode: mode, durationSeconds: (duration * 1000).rounded() / 1000, requests: state.completed,
            requestsPerSecond: duration > 0 ? Double(state.completed) / duration : 0, errors: state.errors,
            errorRate: state.completed > 0 ? Double(state.errors) / Double(state.completed) : 0,
            latency: LoadTestReport.Latency(
                p50: latency(50), p90: latency(90), p99: latency(99), p999: latency(99.9), max: Double(histogram.max) / 1e6,
                mean: histogram.mean / 1e6),
            statuses: Dictionary(uniqueKeysWithValues: state.statuses.map { (String($0.key), $0.value) }),
            problems: state.problems, assignments: state.assignments, balance: balance, waits: waits, perSecond: perSecond,
            grid: state.gridSamples)
    }
}

/// A counter shared by concurrent tasks.
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds `amount`; the new value.
    func add(_ amount: Int) -> Int {
        value.add(amount, ordering: .relaxed).newValue
    }
}

import ArgumentParser
import GridCore
import Foundation
import LoadTest

struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Play rush hour against a gateway and report what happened.",
        discussion: """
            Closed loop: --requests N --concurrency C. Open loop: --rate R --duration S, latency measured \
            from each request's intended send time (no coordinated omission).
            """)

    @Option(help: "The gateway's base URL.")
    var target = "http://127.0.0.1:7000"

    @Option(help: "Closed loop: requests to send.")
    var requests: Int?

    @Option(help: "Closed loop: requests in flight at once.")
    var concurrency = 16

    @Option(help: "Open loop: requests per second (the peak with --profile rush-hour).")
    var rate: Double?

    @Option(help: "Seconds to run: open loop (default 30), or a time limit for the closed loop.")
    var duration: Double?

    @Option(help: "Open loop: poisson or constant.")
    var arrivals: ArrivalSchedule.Arrivals = .poisson

    @Option(help: "Open loop: steady, or rush-hour (ramp up, peak, ramp down over the duration).")
    var profile: ArrivalSchedule.Profile = .steady

    @Option(help: "Minutes each driver waits for a free point (maxWaitMinutes, 0-1440); cars answered 202 are followed until they charge.")
    var maxWait = 0

    @Option(help: "Seed for the vehicle mix and arrivals.")
    var seed: UInt64 = 1

    @Option(help: "Write the report as JSON to this file.")
    var json: String?

    @Option(help: "Write a self-contained HTML report with charts to this file.")
    var html: String?

    @Option(name: .customLong("fail-if"), help: "Exit 1 when crossed, e.g. error-rate>0.01, p99>0.25 (seconds), rps<100. Repeatable.")
    var failIf: [String] = []

    func validate() throws {
        _ = try serviceURL(target, flag: "--target")
        if requests == nil && rate == nil { throw ValidationError("give --requests N (closed loop) or --rate R (open loop)") }
        if requests != nil && rate != nil { throw ValidationError("--requests (closed loop) and --rate (open loop) exclude each other") }
        if !WaitRequest.maxWaitRange.contains(maxWait) { throw ValidationError("--max-wait must be a whole number of minutes from 0 to 1440") }
        if let requests, !(1...10_000_000).contains(requests) { throw ValidationError("--requests must be between 1 and 10000000") }
        guard (1...10_000).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 10000") }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate must be above 0 and at most 1000000") }
        if let duration, !(duration > 0 && duration <= 86_400) {
            throw ValidationError("--duration must be above 0 and at most 86400 seconds")
        }
        for condition in failIf where FailureThreshold(condition) == nil {
            let metrics = FailureThreshold.Metric.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--fail-if takes METRIC>VALUE or METRIC<VALUE with METRIC one of \(metrics); got '\(condition)'")
        }
    }

    func run() async throws {
        let mode: LoadTestPlan.Mode =
            if let requests {
                .closed(requests: requests, concurrency: concurrency, timeLimit: duration)
            } else {
                .open(ArrivalSchedule(rate: rate!, duration: duration ?? 30, arrivals: arrivals, profile: profile, seed: seed))
            }
        var plan = LoadTestPlan(target: try serviceURL(target, flag: "--target"), mode: mode, seed: seed)
        plan.maxWaitMinutes = maxWait
        let client = LoadTestRunner.makeClient(connections: requests != nil ? concurrency : 512)
        let terminal = isatty(STDOUT_FILENO) == 1
        let runner = LoadTestRunner(plan: plan, client: client) { done, errors, p99, elapsed in
            let line = String(
                format: "%6.1f s  %8d done  %8.1f req/s  %6d errors  p99 %.1f ms", elapsed, done, Double(done) / max(elapsed, 0.001),
                errors, p99 * 1000)
            if terminal {
                FileHandle.standardOutput.write(Data(("\r" + line).utf8))
            } else if Int(elapsed.rounded()) % 5 == 0 {
                printLine(line)
            }
        }
        let report = await runner.run()
        try await client.shutdown()
        if terminal { printLine("") }
        printLine(LoadTestOutput.summary(report))
        if let json { try LoadTestOutput.json(report).write(to: URL(fileURLWithPath: json)) }
        if let html { try LoadTestOutput.html(report).write(to: URL(fileURLWithPath: html), atomically: true, encoding: .utf8) }
        let crossed = failIf.compactMap(FailureThreshold.init).filter { $0.isCrossed(by: report) }
        for threshold in crossed {
            printLine("fail-if \(threshold): measured \(threshold.value(in: report))")
        }
        if !crossed.isEmpty { throw ExitCode(1) }
    }
}

extension ArrivalSchedule.Arrivals: ExpressibleByArgument {}
extension ArrivalSchedule.Profile: ExpressibleByArgument {}

import Foundation
import GridCore
import Histogram
import Synchronization

/// One answered (or failed) request.
struct RequestOutcome: Sendable {
    /// HTTP status; 0 when no answer came (transport failure, timeout, client overload).
    var status: Int
    var problemType: String?
    var substationId: String?
    /// From the intended send time (open loop) or the send time (closed loop) to the answer.
    var latency: Duration
    /// Seconds since the run started, when the answer came.
    var completedAt: Double
}

/// Everything measured while the load runs, shared by the sending tasks.
final class LoadTestRecorder: Sendable {
    struct State {
        var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var latencyBySecond: [Int: Histogram<UInt64>] = [:]
        var completedBySecond: [Int: Int] = [:]
        var statuses: [Int: Int] = [:]
        var problems: [String: Int] = [:]
        var assignments: [String: Int] = [:]
        var completed = 0
        var errors = 0
        var gridSamples: [GridSample] = []
        /// Cars that waited in line: how long until they charged (ms), and how each wait ended.
        var waits = Histogram<UInt64>(highestTrackableValue: 90_000_000, numberOfSignificantValueDigits: .three)
        var waitEndings: [String: Int] = [:]
    }

    private let state = Mutex(State())
    static let emptyWindow = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .two)

    /// Errors are answers that did not come or came as 5xx (503 "no room" included).
    static func isError(_ status: Int) -> Bool { status == 0 || status >= 500 }

    func record(_ outcome: RequestOutcome) {
        let microseconds = UInt64(
            max(1, outcome.latency.inMicroseconds))
        let second = Int(outcome.completedAt)
        state.withLock { state in
            _ = state.latency.record(min(microseconds, 600_000_000))
            // In place: copying a histogram out and back would copy all its buckets on every answer.
            _ = state.latencyBySecond[second, default: Self.emptyWindow].record(min(microseconds, 600_000_000))
            state.completedBySecond[second, default: 0] += 1
            state.statuses[outcome.status, default: 0] += 1
            if let type = outcome.problemType { state.problems[type, default: 0] += 1 }
            if outcome.status == 201, let id = outcome.substationId { state.assignments[id, default: 0] += 1 }
            state.completed += 1
            if Self.isError(outcome.status) { state.errors += 1 }
        }
    }

    /// A car that was answered 202 and followed: `ending` is `admitted`, `expired`, `cancelled`
    /// or `unknown`; `waited` counts for the admitted.
    func recordWait(ending: String, waited: Duration) {
        state.withLock { state in
            state.waitEndings[ending, default: 0] += 1
            if ending == "admitted" { _ = state.waits.record(UInt64(min(90_000_000, max(1, waited.inMicroseconds / 1000)))) }
        }
    }

    func record(_ sample: GridSample) {
        state.withLock { $0.gridSamples.append(sample) }
    }

    /// Done so far, errors so far, p99 so far in seconds.
    var progress: (completed: Int, errors: Int, p99: Double) {
        state.withLock { ($0.completed, $0.errors, Double($0.latency.valueAtPercentile(99)) / 1e6) }
    }

    var final: State { state.withLock { $0 } }
}

/// The grid as `/api/v1/grid` showed it at one moment of the run.
public struct GridSample: Codable, Equatable, Sendable {
    /// Seconds since the run started.
    public var time: Double
    /// `substation_load` by substation id.
    public var loads: [String: Double]
}

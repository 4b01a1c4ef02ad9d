import Foundation
import GridCore

/// When an open-loop load test means to send each request, decided before it runs and
/// independent of how fast the target answers: the basis for latency without coordinated omission.
public struct ArrivalSchedule: Sendable {
    public enum Arrivals: String, Sendable, CaseIterable, Codable {
        case poisson, constant
    }

    public enum Profile: String, Sendable, CaseIterable, Codable {
        case steady
        /// Ramp up, peak, ramp down over the duration.
        case rushHour = "rush-hour"
    }

    public var rate: Double
    public var duration: Double
    public var arrivals: Arrivals
    public var profile: Profile
    public var seed: UInt64

    public init(rate: Double, duration: Double, arrivals: Arrivals = .poisson, profile: Profile = .steady, seed: UInt64 = 1) {
        self.rate = rate
        self.duration = duration
        self.arrivals = arrivals
        self.profile = profile
        self.seed = seed
    }

    /// The rate at `time` seconds into the run: `rate` when steady; under rush hour it ramps from
    /// 15% up to `rate` and back (the peak, not the mean, is `rate`).
    public func rate(at time: Double) -> Double {
        switch profile {
        case .steady: rate
        case .rushHour: rate * RushHourProfile(period: duration).factor(at: min(time, duration * 0.999_999))
        }
    }

    /// Every intended send time, in seconds from the start, in order.
    public func sendTimes() -> [Double] {
        var generator = SeededGenerator(seed: seed)
        var times: [Double] = []
        var time = 0.0
        switch arrivals {
        case .constant:
            // Integrate the rate: the n-th request goes when n requests are owed.
            var owed = 0.0
            let step = 0.001
            while time < duration {
                owed += rate(at: time) * step
                while owed >= 1 {
                    times.append(time)
                    owed -= 1
                }
                time += step
            }
        case .poisson:
            // Thinning: candidates at the peak rate, each kept with probability rate(t)/peak.
            let peak = max(rate, 1e-9)
            while true {
                time += -log(1 - Double.random(in: 0..<1, using: &generator)) / peak
                guard time < duration else { break }
                if Double.random(in: 0..<1, using: &generator) < rate(at: time) / peak { times.append(time) }
            }
        }
        return times
    }
}

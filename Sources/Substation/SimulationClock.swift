import Foundation
import GridCore

/// Where a substation's simulated time comes from, so tests can drive it by hand.
public protocol SimulationClock: Sendable {
    /// Simulated seconds since midnight of simulated day 0.
    func simulatedSeconds() -> Double
    /// Wall-clock seconds since 1970, for timestamps users read.
    func epochSeconds() -> Double
}

/// Simulated time runs `timeScale` times faster than real time, starting at today's wall-clock
/// time of day, so the daily base-load curve lines up with the hour users see.
public struct ScaledClock: SimulationClock {
    private let start = ContinuousClock.now
    private let startTimeOfDay: Double
    public let timeScale: Double

    /// - Parameter resumingAt: simulated seconds to start from (after a restart); by default,
    ///   today's time of day.
    public init(timeScale: Double, resumingAt: Double? = nil) {
        self.timeScale = timeScale
        self.startTimeOfDay = resumingAt ?? Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
    }

    public func simulatedSeconds() -> Double {
        let elapsed = ContinuousClock.now - start
        let seconds = elapsed.inSeconds
        return startTimeOfDay + seconds * timeScale
    }

    public func epochSeconds() -> Double {
        Date().timeIntervalSince1970
    }
}

import Foundation

/// Non-EV demand on a substation over simulated time: a daily curve (low at night, peaks in the
/// morning and evening) plus smooth noise, always below capacity. A pure function of time, so a
/// substation gives the same figure however often it is asked.
public struct BaseLoadCurve: Sendable {
    public var capacityKW: Double
    /// Mean demand as a fraction of capacity; 0 turns base load off.
    public var meanFraction: Double
    public var seed: UInt64
    /// Never more than this share of capacity, so EVs always have some room.
    public static let ceilingFraction = 0.9

    public init(capacityKW: Double, meanFraction: Double, seed: UInt64) {
        self.capacityKW = capacityKW
        self.meanFraction = meanFraction
        self.seed = seed
    }

    /// Base load in kW at `simulatedSeconds` since midnight of day 0.
    public func loadKW(atSimulatedSeconds seconds: Double) -> Double {
        guard meanFraction > 0 else { return 0 }
        let hour = (seconds / 3600).truncatingRemainder(dividingBy: 24)
        let noise = smoothNoise(atMinute: seconds / 60)  // in [-1, 1]
        let fraction = meanFraction * Self.dailyShape(hour: hour < 0 ? hour + 24 : hour) * (1 + 0.1 * noise)
        return min(max(0, fraction), Self.ceilingFraction) * capacityKW
    }

    /// Relative demand over a day, averaging about 1: a night trough and two peaks (08:00, 19:00).
    static func dailyShape(hour: Double) -> Double {
        func squared(_ value: Double) -> Double { value * value }
        let morning = 0.35 * exp(-squared(hour - 8) / 4)
        let evening = 0.5 * exp(-squared(hour - 19) / 6)
        let night = -0.35 * exp(-squared(hour - 3) / 8) - 0.35 * exp(-squared(hour - 27) / 8)
        return 0.88 + morning + evening + night
    }

    /// Value noise: random values on whole minutes, smoothly interpolated between them.
    private func smoothNoise(atMinute minute: Double) -> Double {
        let lower = floor(minute)
        let t = minute - lower
        let a = SeededGenerator.unitValue(seed: seed, key: UInt64(bitPattern: Int64(lower))) * 2 - 1
        let b = SeededGenerator.unitValue(seed: seed, key: UInt64(bitPattern: Int64(lower + 1))) * 2 - 1
        let smooth = t * t * (3 - 2 * t)
        return a + (b - a) * smooth
    }
}

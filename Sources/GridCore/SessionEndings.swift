/// How many of a substation's sessions are expected to end within each horizon of real time:
/// the points that will free up, from each session's departure or its completion at the power it
/// draws now. Cumulative, like a Prometheus histogram's buckets. Summed over substations, it
/// tells a car at position k in a waiting line roughly when its point frees.
public struct SessionEndings: Equatable, Sendable {
    /// Real seconds from now, ascending.
    public static let horizons: [Double] = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400]

    /// `counts[i]`: sessions expected to end within `horizons[i]` seconds.
    public private(set) var counts: [Int]

    public init(counts: [Int] = Array(repeating: 0, count: Self.horizons.count)) {
        precondition(counts.count == Self.horizons.count, "one count per horizon")
        self.counts = counts
    }

    /// From the sessions charging now at simulated time `now`, on a clock running `timeScale`
    /// simulated seconds per real second. A session with no power and no departure frees nothing.
    public init(active sessions: [ChargingSession], now: Double, timeScale: Double) {
        var counts = Array(repeating: 0, count: Self.horizons.count)
        for session in sessions where session.status == .charging {
            var end = Double.infinity
            if session.powerKW > 0 { end = now + session.remainingKWh / session.powerKW * 3600 }
            if let departure = session.departureAtSimulatedSeconds { end = min(end, departure) }
            guard end.isFinite else { continue }
            let realSeconds = max(0, end - now) / max(timeScale, 1e-9)
            for (index, horizon) in Self.horizons.enumerated() where realSeconds <= horizon { counts[index] += 1 }
        }
        self.counts = counts
    }

    /// As JSON shows it: the count by horizon, keyed by whole seconds.
    public static func byHorizon(_ endings: SessionEndings) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: zip(horizons.map { String(Int($0)) }, endings.counts))
    }

    /// Read back from `byHorizon`; nil unless every horizon is there.
    public init?(byHorizon counts: [String: Int]) {
        var ordered: [Int] = []
        for horizon in Self.horizons {
            guard let count = counts[String(Int(horizon))], count >= 0 else { return nil }
            ordered.append(count)
        }
        self.init(counts: ordered)
    }

    public static func + (lhs: SessionEndings, rhs: SessionEndings) -> SessionEndings {
        SessionEndings(counts: zip(lhs.counts, rhs.counts).map { $0 + $1 })
    }

    /// Real seconds until the `position`-th point frees (1 is the next), interpolated between
    /// horizons; nil when fewer than `position` sessions end within the longest horizon.
    public func secondsUntilFree(position: Int) -> Double? {
        guard position >= 1 else { return 0 }
        var previousHorizon = 0.0
        var previousCount = 0
        for (index, horizon) in Self.horizons.enumerated() {
            let count = counts[index]
            if count >= position {
                let share = Double(position - previousCount) / Double(max(1, count - previousCount))
                return previousHorizon + (horizon - previousHorizon) * min(1, max(0, share))
            }
            previousHorizon = horizon
            previousCount = count
        }
        return nil
    }
}

/// A realistic stream of charge requests: mostly AC home-style charging, some DC fast charging,
/// with energy and departure times to match. Deterministic for a given generator.
public struct VehicleMix: Sendable {
    public struct Kind: Sendable {
        public var label: String
        public var maxPowerKW: Double
        public var share: Double
        public var energyKWh: ClosedRange<Double>
        /// Minutes until the driver leaves, or nil when drivers of this kind wait until full.
        public var departureMinutes: ClosedRange<Double>?
    }

    public var kinds: [Kind]

    public static let standard = VehicleMix(kinds: [
        Kind(label: "AC 7 kW", maxPowerKW: 7.4, share: 0.25, energyKWh: 8...30, departureMinutes: 120...600),
        Kind(label: "AC 11 kW", maxPowerKW: 11, share: 0.35, energyKWh: 10...40, departureMinutes: 90...480),
        Kind(label: "AC 22 kW", maxPowerKW: 22, share: 0.15, energyKWh: 15...45, departureMinutes: 60...240),
        Kind(label: "DC 50 kW", maxPowerKW: 50, share: 0.15, energyKWh: 20...50, departureMinutes: nil),
        Kind(label: "DC 150 kW", maxPowerKW: 150, share: 0.10, energyKWh: 30...80, departureMinutes: nil),
    ])

    public func nextRequest(vehicleNumber: Int, using generator: inout SeededGenerator) -> ChargeRequest {
        let total = kinds.reduce(0) { $0 + $1.share }
        var pick = Double.random(in: 0..<total, using: &generator)
        var chosen = kinds.count - 1
        for index in kinds.indices {
            if pick < kinds[index].share {
                chosen = index
                break
            }
            pick -= kinds[index].share
        }
        let kind = kinds[chosen]
        let energy = (Double.random(in: kind.energyKWh, using: &generator) * 10).rounded() / 10
        let departure = kind.departureMinutes.map { (Double.random(in: $0, using: &generator)).rounded() }
        return ChargeRequest(vehicleId: "EV-\(vehicleNumber)", energyKWh: energy, maxPowerKW: kind.maxPowerKW, departureMinutes: departure)
    }
}

/// Demand over a rush hour: quiet, ramping up to a peak, and down again, as a factor in [floor, 1].
public struct RushHourProfile: Sendable {
    public var period: Double
    public var floor: Double

    public init(period: Double, floor: Double = 0.15) {
        self.period = period
        self.floor = floor
    }

    /// The demand factor at `time` seconds into the cycle (repeats every `period`).
    public func factor(at time: Double) -> Double {
        let phase = (time / period).truncatingRemainder(dividingBy: 1)
        // ramp up over the first 40%, peak for 20%, ramp down over the last 40%.
        let shape: Double
        if phase < 0.4 {
            shape = phase / 0.4
        } else if phase < 0.6 {
            shape = 1
        } else {
            shape = (1 - phase) / 0.4
        }
        return floor + (1 - floor) * shape
    }
}

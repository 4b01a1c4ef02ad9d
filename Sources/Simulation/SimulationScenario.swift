import GridCore

/// What one simulation run models: the grid, the traffic and how often the balancer looks.
public struct SimulationScenario: Codable, Equatable, Sendable {
    public var capacitiesKW: [Double]
    public var chargingPoints: [Int]
    public var pointMaxKW: Double
    public var baseLoadFraction: Double
    public var requests: Int
    /// Arrivals per simulated minute (Poisson), at the peak when `rushHour` is on.
    public var arrivalsPerMinute: Double
    public var rushHour: Bool
    /// Simulated seconds between two scrapes of every substation.
    public var pollIntervalSeconds: Double
    /// Simulated seconds between two samples of substation load for the balance figures.
    public var sampleIntervalSeconds: Double
    /// Simulated time of day the run starts at, in hours.
    public var startHour: Double
    public var seed: UInt64
    /// Admission keeps every session at or above min(requested, this) kW; 0 admits whenever a point is free.
    public var admissionFloorKW: Double
    /// The trace replayed (its file), when the cars come from one rather than from the generator.
    public var trace: String?

    public init(
        capacitiesKW: [Double], chargingPoints: [Int]? = nil, pointMaxKW: Double = 50, baseLoadFraction: Double = 0.3,
        requests: Int, arrivalsPerMinute: Double, rushHour: Bool = false, pollIntervalSeconds: Double,
        sampleIntervalSeconds: Double = 10, startHour: Double = 6, seed: UInt64,
        admissionFloorKW: Double = SubstationSpec.minimumSessionPowerKW, trace: String? = nil
    ) {
        self.admissionFloorKW = admissionFloorKW
        self.trace = trace
        self.capacitiesKW = capacitiesKW
        self.chargingPoints = chargingPoints ?? capacitiesKW.map(Self.defaultPoints)
        self.pointMaxKW = pointMaxKW
        self.baseLoadFraction = baseLoadFraction
        self.requests = requests
        self.arrivalsPerMinute = arrivalsPerMinute
        self.rushHour = rushHour
        self.pollIntervalSeconds = pollIntervalSeconds
        self.sampleIntervalSeconds = sampleIntervalSeconds
        self.startHour = startHour
        self.seed = seed
    }

    /// One charging point per 20 kW of transformer capacity, at least 4.
    public static func defaultPoints(capacityKW: Double) -> Int {
        max(4, Int(capacityKW / 20))
    }

    /// Distribution transformer sizes as commonly installed (kVA, taken as kW), with how often each occurs.
    public static let capacityMix: [(capacityKW: Double, share: Double)] = [(250, 0.2), (400, 0.3), (630, 0.3), (800, 0.1), (1000, 0.1)]

    /// `count` capacities drawn from `capacityMix`, reproducibly from `seed`.
    public static func realisticCapacities(count: Int, seed: UInt64) -> [Double] {
        var generator = SeededGenerator(seed: seed ^ 0xC0FFEE)
        return (0..<count).map { _ in
            var pick = Double.random(in: 0..<1, using: &generator)
            for (capacity, share) in capacityMix {
                if pick < share { return capacity }
                pick -= share
            }
            return capacityMix.last!.capacityKW
        }
    }
}

/// A policy under test: one of the balancer's, or routing on the last scrape alone.
public enum SimulatedPolicy: String, CaseIterable, Codable, Sendable {
    case leastLoad = "least-load"
    case p2c
    case roundRobin = "round-robin"
    case random
    /// argmin on the last scrape, no own-dispatch accounting: the design of the original assignment.
    case leastLoadStale = "least-load-stale"

    var policyName: PolicyName {
        switch self {
        case .leastLoad, .leastLoadStale: .leastLoad
        case .p2c: .p2c
        case .roundRobin: .roundRobin
        case .random: .random
        }
    }

    var accountsOwnDispatches: Bool { self != .leastLoadStale }
}

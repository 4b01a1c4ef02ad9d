import Foundation

/// The last few minutes of the grid, one sample a second, so a dashboard opened at any moment
/// draws them at once (`GET /api/v1/grid/history`, and the `history` event that opens the grid
/// stream). A value: the caller says what time it is.
public struct GridHistory: Codable, Equatable, Sendable {
    /// One substation in one sample: what the dashboard's chart and cards draw.
    public struct Substation: Codable, Equatable, Sendable {
        public var id: String
        public var up: Bool
        public var load: Double
        public var activeSessions: Int?
        public var chargingPoints: Int?
    }

    public struct Sample: Codable, Equatable, Sendable {
        /// RFC 3339.
        public var time: String
        public var substations: [Substation]
        /// Seconds since 1970, for trimming; not sent.
        var epochSeconds: Double

        enum CodingKeys: String, CodingKey {
            case time, substations
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            time = try container.decode(String.self, forKey: .time)
            substations = try container.decode([Substation].self, forKey: .substations)
            epochSeconds = (try? Date(time, strategy: .iso8601))?.timeIntervalSince1970 ?? 0
        }

        init(epochSeconds: Double, substations: [Substation]) {
            self.epochSeconds = epochSeconds
            self.time = Date(timeIntervalSince1970: epochSeconds).formatted(.iso8601)
            self.substations = substations
        }
    }

    public var windowSeconds: Double
    public var intervalSeconds: Double
    /// Oldest first.
    public private(set) var samples: [Sample] = []

    public init(windowSeconds: Double = 300, intervalSeconds: Double = 1) {
        self.windowSeconds = windowSeconds
        self.intervalSeconds = intervalSeconds
    }

    /// Adds what the balancer shows at `epochSeconds` (substations without an id yet are left
    /// out) and forgets samples older than the window.
    mutating func record(_ grid: GridSummary, at epochSeconds: Double) {
        let substations = grid.substations.compactMap { substation -> Substation? in
            guard let id = substation.id else { return nil }
            let load = substation.load ?? 0
            return Substation(
                id: id, up: substation.up, load: load.isFinite ? load : 0, activeSessions: substation.activeSessions,
                chargingPoints: substation.chargingPoints)
        }
        samples.append(Sample(epochSeconds: epochSeconds, substations: substations))
        let oldest = epochSeconds - windowSeconds
        if let keep = samples.firstIndex(where: { $0.epochSeconds >= oldest }) {
            samples.removeFirst(keep)
        } else {
            samples.removeAll()
        }
    }
}

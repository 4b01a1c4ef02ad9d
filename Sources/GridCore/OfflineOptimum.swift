/// The most energy any schedule could deliver to a set of sessions, knowing every arrival in
/// advance: a maximum flow from the sessions (each up to the energy it asks for) to stretches of
/// time (each session up to its rate while it is plugged in) to the substations' limits.
///
/// Time is cut at every arrival and departure, so between two cuts the same sessions are present;
/// with a constant limit (no base load) this is exact in continuous time: spread over a stretch
/// evenly, any flow is a schedule. With base load the stretches are also cut every 5 minutes and
/// each holds the headroom at its middle, an estimate. Charging points and admission are ignored:
/// a bound for the sessions as asked. A session free to go anywhere may draw on every substation.
public enum OfflineOptimum {
    public struct Session: Sendable {
        public var arrival: Double
        /// Nil: stays until full (until the horizon at the latest).
        public var departure: Double?
        public var energyKWh: Double
        /// min(the car's maximum, the point's maximum).
        public var powerKW: Double
        /// The substation it must use (index into the limits); nil when any will do.
        public var substation: Int?

        public init(arrival: Double, departure: Double?, energyKWh: Double, powerKW: Double, substation: Int?) {
            self.arrival = arrival
            self.departure = departure
            self.energyKWh = energyKWh
            self.powerKW = powerKW
            self.substation = substation
        }
    }

    /// One substation's limit: capacity minus base load.
    public struct Limit: Sendable {
        public var capacityKW: Double
        public var baseLoad: BaseLoadCurve

        public init(capacityKW: Double, baseLoad: BaseLoadCurve) {
            self.capacityKW = capacityKW
            self.baseLoad = baseLoad
        }

        func headroomKW(at seconds: Double) -> Double {
            max(0, capacityKW - baseLoad.loadKW(atSimulatedSeconds: seconds))
        }
    }

    /// Length of the stretches under a varying base load.
    public static let baseLoadPeriodSeconds = 300.0

    /// The energy in kWh, or nil when the graph would exceed `maxEdges` (a run too big to bound).
    public static func energyKWh(
        sessions: [Session], limits: [Limit], horizonEnd: Double, maxEdges: Int = 20_000_000
    ) -> Double? {
        guard !sessions.isEmpty, !limits.isEmpty else { return 0 }
        var cuts: [Double] = [horizonEnd]
        for session in sessions {
            cuts.append(min(session.arrival, horizonEnd))
            if let departure = session.departure { cuts.append(min(departure, horizonEnd)) }
        }
        let start = cuts.min()!
        if limits.contains(where: { $0.baseLoad.meanFraction > 0 }) {
            var time = (start / baseLoadPeriodSeconds).rounded(.down) * baseLoadPeriodSeconds
            while time < horizonEnd {
                time += baseLoadPeriodSeconds
                cuts.append(min(time, horizonEnd))
            }
        }
        cuts.sort()
        var times: [Double] = []
        for cut in cuts where times.last != cut { times.append(cut) }
        let stretches = times.count - 1
        guard stretches > 0 else { return 0 }
        func stretch(startingAt time: Double) -> Int {
            var low = 0
            var high = times.count - 1
            while low < high {
                let middle = (low + high) / 2
                if times[middle] < time { low = middle + 1 } else { high = middle }
            }
            return low
        }
        var edges = limits.count * stretches + sessions.count
        var spans: [(first: Int, last: Int)] = []
        for session in sessions {
            let first = stretch(startingAt: min(session.arrival, horizonEnd))
            let last = stretch(startingAt: min(session.departure ?? horizonEnd, horizonEnd))
            spans.append((first, last))
            edges += last - first
        }
        let free = sessions.contains { $0.substation == nil } && limits.count > 1
        if free { edges += stretches * (limits.count + 1) }
        guard edges <= maxEdges else { return nil }

        let source = 0
        let sink = 1
        var graph = MaximumFlow(nodes: 2)
        // One node per substation and stretch, holding that stretch's energy.
        let stretchNodes = limits.map { limit in
            (0..<stretches).map { index -> Int in
                let node = graph.addNode()
                let length = times[index + 1] - times[index]
                let headroom = limit.headroomKW(at: (times[index] + times[index + 1]) / 2)
                graph.addEdge(from: node, to: sink, capacity: headroom * length / 3600)
                return node
            }
        }
        // Sessions free to go anywhere meet in a pool per stretch that feeds every substation.
        let pool: [Int] =
            free
            ? (0..<stretches).map { index in
                let node = graph.addNode()
                for substation in limits.indices { graph.addEdge(from: node, to: stretchNodes[substation][index], capacity: .infinity) }
                return node
            } : []
        for (session, span) in zip(sessions, spans) where session.energyKWh > 0 && session.powerKW > 0 {
            let node = graph.addNode()
            graph.addEdge(from: source, to: node, capacity: session.energyKWh)
            for index in span.first..<span.last {
                let to = session.substation.map { stretchNodes[$0][index] } ?? (free ? pool[index] : stretchNodes[0][index])
                graph.addEdge(from: node, to: to, capacity: session.powerKW * (times[index + 1] - times[index]) / 3600)
            }
        }
        return graph.run(from: source, to: sink)
    }
}

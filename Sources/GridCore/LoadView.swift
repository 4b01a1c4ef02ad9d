/// The balancer's live view of its substations: the last scraped figures plus its own dispatches
/// since then, so that a burst between two scrapes spreads out instead of herding onto the
/// substation that looked emptiest.
///
/// Own-dispatch accounting: a dispatch is counted from the moment it is decided (so concurrent
/// decisions see each other), dropped if the substation refuses it, and dropped at the first
/// scrape taken after the substation confirmed it, because that scrape already includes it.
/// Nothing is counted twice for longer than one scrape.
///
/// Times are seconds on one monotonic clock of the owner's choosing; a scrape read through
/// Prometheus is dated by its sample's timestamp on that clock.
public struct LoadView: Sendable {
    public struct Substation: Sendable {
        public let url: String
        /// Known after the first scrape (the `substation` label).
        public internal(set) var id: String?
        public internal(set) var figures: ScrapedFigures?
        public internal(set) var health = SubstationHealth()
        public internal(set) var drained = false
        /// Gone from service discovery: gets nothing new, as if drained, until it comes back.
        public internal(set) var retired = false
        /// Found by service discovery rather than configured.
        public internal(set) var discovered = false
        /// Clock reading (seconds) of the last successful scrape.
        public internal(set) var lastScrapeAt: Double?
        var pending: [PendingDispatch] = []

        /// Requested power of dispatches not yet seen in a scrape.
        public var pendingPowerKW: Double { pending.reduce(0) { $0 + $1.powerKW } }
        public var pendingDispatches: Int { pending.count }

        /// Scraped load plus pending dispatches over capacity. Unknown capacity: +infinity.
        public var effectiveLoad: Double {
            guard let figures, figures.capacityKW > 0 else { return .infinity }
            return figures.load + pendingPowerKW / figures.capacityKW
        }

        /// Whether a point looks free, counting pending dispatches as taken.
        public var seemsToHaveFreePoint: Bool {
            guard let figures else { return false }
            return figures.activeSessions + pending.count < figures.chargingPoints
        }
    }

    struct PendingDispatch: Sendable {
        var ticket: DispatchTicket
        var powerKW: Double
        /// When the substation confirmed it; nil while in flight.
        var confirmedAt: Double?
    }

    /// Identifies one dispatch between its decision and its outcome.
    public struct DispatchTicket: Hashable, Sendable {
        public let substation: Int
        let number: UInt64
    }

    /// Identifies one scrape between its start and its result: the figures it brings reflect
    /// the substation as it was at `takenAt`.
    public struct ScrapeTicket: Sendable {
        public let substation: Int
        public let takenAt: Double

        public init(substation: Int, takenAt: Double) {
            self.substation = substation
            self.takenAt = takenAt
        }
    }

    public private(set) var substations: [Substation]
    private var dispatchCount: UInt64 = 0

    /// What routing reads, one plain entry per substation, refreshed on every change: a decision
    /// scans this compact table (no reference counting) instead of the full records.
    struct RoutingEntry: Sendable {
        var effectiveLoad = Double.infinity
        var routable = false
        var hasFreePoint = false
    }

    private var routing: [RoutingEntry]
    /// Effective load per substation, +infinity where it is not routable (or looks full).
    private var routableLoads: [Double]
    private var routableWithFreePointLoads: [Double]
    /// How many entries are routable, and routable with a free point: what sampling needs to know.
    private var routableCount = 0
    private var routableWithFreePointCount = 0

    /// Outlier ejection (see `SubstationHealth`): 0 takes a substation back at its first good scrape.
    public let ejectionBaseSeconds: Double
    /// A substation that comes back after being down gets a load penalty that fades over this
    /// many seconds, so traffic returns to it gradually (slow start); 0 turns it off.
    public let slowStartSeconds: Double
    /// The penalty at the moment it comes back, in units of load.
    public static let slowStartPenalty = 0.5
    /// The latest time any event brought (scrapes, confirmations): the clock of dispatch failures.
    private var latestTime = -Double.infinity

    public init(urls: [String], ejectionBaseSeconds: Double = 0, slowStartSeconds: Double = 0) {
        self.ejectionBaseSeconds = ejectionBaseSeconds
        self.slowStartSeconds = slowStartSeconds
        self.substations = urls.map { url in
            var substation = Substation(url: url)
            substation.health = SubstationHealth(ejectionBaseSeconds: ejectionBaseSeconds)
            return substation
        }
        self.routing = Array(repeating: RoutingEntry(), count: urls.count)
        self.routableLoads = Array(repeating: .infinity, count: urls.count)
        self.routableWithFreePointLoads = Array(repeating: .infinity, count: urls.count)
    }

    private mutating func refresh(_ index: Int) {
        count(routing[index], as: -1)
        routing[index] = RoutingEntry(
            effectiveLoad: substations[index].effectiveLoad + slowStartPenalty(index),
            routable: substations[index].health.isUp && !substations[index].drained && !substations[index].retired
                && substations[index].figures != nil,
            hasFreePoint: substations[index].seemsToHaveFreePoint)
        count(routing[index], as: 1)
        let entry = routing[index]
        routableLoads[index] = entry.routable ? entry.effectiveLoad : .infinity
        routableWithFreePointLoads[index] = entry.routable && entry.hasFreePoint ? entry.effectiveLoad : .infinity
    }

    /// The part of the slow-start penalty left now; it shrinks at each refresh (every scrape).
    private func slowStartPenalty(_ index: Int) -> Double {
        guard slowStartSeconds > 0, let cameBack = substations[index].health.cameBackAt else { return 0 }
        return Self.slowStartPenalty * max(0, 1 - (latestTime - cameBack) / slowStartSeconds)
    }

    private mutating func count(_ entry: RoutingEntry, as sign: Int) {
        guard entry.routable else { return }
        routableCount += sign
        if entry.hasFreePoint { routableWithFreePointCount += sign }
    }

    // MARK: Scrapes

    public func beginScrape(of substation: Int, at time: Double) -> ScrapeTicket {
        ScrapeTicket(substation: substation, takenAt: time)
    }

    @discardableResult
    public mutating func scrapeSucceeded(
        _ ticket: ScrapeTicket, figures: ScrapedFigures, at time: Double
    ) -> SubstationHealth.Action? {
        let index = ticket.substation
        latestTime = max(latestTime, time)
        substations[index].figures = figures
        substations[index].id = figures.substationId
        substations[index].lastScrapeAt = time
        if !substations[index].pending.isEmpty {
            substations[index].pending.removeAll { dispatch in
                guard let confirmed = dispatch.confirmedAt else { return false }
                return confirmed < ticket.takenAt
            }
        }
        defer { refresh(index) }
        return substations[index].health.scrapeSucceeded(at: time)
    }

    @discardableResult
    public mutating func scrapeFailed(_ ticket: ScrapeTicket, refused: Bool) -> SubstationHealth.Action? {
        defer { refresh(ticket.substation) }
        latestTime = max(latestTime, ticket.takenAt)
        return substations[ticket.substation].health.failed(refused: refused, at: latestTime)
    }

    // MARK: Dispatches

    /// Counts a dispatch the moment it is decided.
    public mutating func reserve(_ substation: Int, powerKW: Double) -> DispatchTicket {
        dispatchCount += 1
        let ticket = DispatchTicket(substation: substation, number: dispatchCount)
        substations[substation].pending.append(PendingDispatch(ticket: ticket, powerKW: powerKW, confirmedAt: nil))
        refresh(substation)
        return ticket
    }

    /// The substation admitted it at `time`: it shows in every scrape taken after that.
    public mutating func confirm(_ ticket: DispatchTicket, at now: Double) {
        latestTime = max(latestTime, now)
        if let position = substations[ticket.substation].pending.firstIndex(where: { $0.ticket == ticket }) {
            substations[ticket.substation].pending[position].confirmedAt = now
        }
    }

    /// The substation refused it or could not be reached: it never happened.
    @discardableResult
    public mutating func release(_ ticket: DispatchTicket, failure: DispatchFailure? = nil) -> SubstationHealth.Action? {
        substations[ticket.substation].pending.removeAll { $0.ticket == ticket }
        defer { refresh(ticket.substation) }
        switch failure {
        case .refusedConnection: return substations[ticket.substation].health.failed(refused: true, at: latestTime)
        case .unreachable:
            // Never eject the last substation for being slow: with none left every car would be refused.
            let others = routing.indices.contains { $0 != ticket.substation && routing[$0].routable }
            guard others else { return nil }
            return substations[ticket.substation].health.failed(refused: false, at: latestTime)
        case nil: return nil
        }
    }

    public enum DispatchFailure: Sendable {
        case refusedConnection
        case unreachable
    }

    // MARK: Routing

    public mutating func setDrained(_ substation: Int, _ drained: Bool) {
        substations[substation].drained = drained
        refresh(substation)
    }

    /// Makes the view hold exactly `urls` among its discovered substations: new ones are added,
    /// vanished ones retired (they drain), returning ones un-retired. Positions never change, so
    /// dispatches in flight stay valid. Returns the URLs added and retired.
    @discardableResult
    public mutating func reconcileDiscovered(_ urls: Set<String>) -> (added: [String], retired: [String]) {
        var added: [String] = []
        var retired: [String] = []
        for index in substations.indices where substations[index].discovered {
            let present = urls.contains(substations[index].url)
            if substations[index].retired == present {
                substations[index].retired = !present
                if !present { retired.append(substations[index].url) }
                refresh(index)
            }
        }
        let known = Set(substations.map(\.url))
        for url in urls.sorted() where !known.contains(url) {
            var substation = Substation(url: url)
            substation.health = SubstationHealth(ejectionBaseSeconds: ejectionBaseSeconds)
            substation.discovered = true
            substations.append(substation)
            routing.append(RoutingEntry())
            routableLoads.append(.infinity)
            routableWithFreePointLoads.append(.infinity)
            added.append(url)
        }
        return (added, retired)
    }

    public func index(ofSubstationId id: String) -> Int? {
        substations.firstIndex { $0.id == id }
    }

    /// Substations that may take the next car, leaving out those already `tried` for it.
    /// Those that look to have a free point come first: if any do, only they are eligible.
    public func pool(excluding tried: [Int]) -> RoutingPool {
        RoutingPool(
            entries: routing, routableLoads: routableLoads, routableWithFreePointLoads: routableWithFreePointLoads, tried: tried,
            routable: routableCount, routableWithFreePoint: routableWithFreePointCount)
    }

    /// The eligible substations of `pool(excluding:)` as a list, in substation order.
    public func candidates(excluding tried: [Int]) -> [RoutingCandidate] {
        let pool = pool(excluding: tried)
        return (0..<pool.slotCount).filter(pool.isEligible).map {
            RoutingCandidate(substation: $0, effectiveLoad: pool.effectiveLoad($0))
        }
    }
}

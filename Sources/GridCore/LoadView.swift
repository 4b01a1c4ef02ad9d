/// The balancer's live view of its substations: the last scraped figures plus its own dispatches
/// since then, so that a burst between two scrapes spreads out instead of herding onto the
/// substation that looked emptiest.
///
/// Own-dispatch accounting: a dispatch is counted from the moment it is decided (so concurrent
/// decisions see each other), dropped if the substation refuses it, and dropped at the first
/// scrape taken after the substation confirmed it, because that scrape already includes it.
/// Nothing is counted twice for longer than one scrape. A dispatch counts the power the
/// substation will grant: the car's maximum, capped by the substation's point maximum.
///
/// Admission, as the view sees it: a substation is offered a car only if, counting its pending
/// dispatches, a charging point is free and the admission floor can still be met. When no
/// substation can admit, routing answers at once without calling anyone.
///
/// Times are seconds on one monotonic clock of the owner's choosing; a scrape read through
/// Prometheus is dated by its sample's timestamp on that clock.
public struct LoadView: Sendable {
    public struct Substation: Sendable {
        public internal(set) var url: String
        /// Known after the first scrape (the `substation` label). Never held by two entries.
        public internal(set) var id: String?
        public internal(set) var figures: ScrapedFigures?
        public internal(set) var health = SubstationHealth()
        public internal(set) var drained = false
        /// Gone from service discovery: gets nothing new, as if drained, until it comes back.
        public internal(set) var retired = false
        /// Found by service discovery rather than configured.
        public internal(set) var discovered = false
        /// A retired entry nothing needs any more: not scraped, not shown, its slot free for the
        /// next substation discovered (positions never move, so dispatches in flight stay valid).
        public internal(set) var vacant = false
        /// Clock reading (seconds) of the last successful scrape.
        public internal(set) var lastScrapeAt: Double?
        var pending = PendingDispatches()

        init(url: String, ejectionBaseSeconds: Double, discovered: Bool = false) {
            self.url = url
            self.health = SubstationHealth(ejectionBaseSeconds: ejectionBaseSeconds)
            self.discovered = discovered
        }

        /// Power the substation will grant dispatches not yet seen in a scrape.
        public var pendingPowerKW: Double { pending.powerKW }
        public var pendingDispatches: Int { pending.count }
        /// Dispatches decided but not yet answered.
        public var inFlightDispatches: Int { pending.inFlight }

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

        /// Whether one more session would still leave every session the admission floor:
        /// (capacity - base load) / (active + pending + 1) >= floor.
        public var meetsAdmissionFloor: Bool {
            guard let figures else { return false }
            let available = figures.capacityKW - (figures.baseLoadKW ?? 0)
            return available / Double(figures.activeSessions + pending.count + 1) >= LoadView.admissionFloorKW
        }

        /// Whether the view says this substation can admit one more car.
        public var seemsToAdmit: Bool { seemsToHaveFreePoint && meetsAdmissionFloor }

        /// What a car asking for `powerKW` will be granted here: a point gives at most its maximum.
        public func grantedPowerKW(_ powerKW: Double) -> Double {
            guard let pointMax = figures?.pointMaxKW else { return powerKW }
            return min(powerKW, pointMax)
        }
    }

    /// The least power every session must keep for a substation to admit one more (CONTRACT section 2).
    public static let admissionFloorKW = SubstationSpec.minimumSessionPowerKW

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

    public internal(set) var substations: [Substation]
    private var dispatchCount: UInt64 = 0
    /// Which entry holds each substation id.
    var owners: [String: Int] = [:]

    /// What routing reads, one plain entry per substation, refreshed on every change: a decision
    /// scans this compact table (no reference counting) instead of the full records.
    struct RoutingEntry: Sendable {
        var effectiveLoad = Double.infinity
        var routable = false
        /// Routable, and the view says it can admit one more car.
        var admits = false
        /// Dispatches decided and not yet answered (`Substation.inFlightDispatches`).
        var inFlight = 0
    }

    var routing: [RoutingEntry]
    /// Effective load per substation, +infinity where it cannot take the next car: a plain
    /// array that a minimum search runs through at memory speed.
    private var admittingLoads: [Double]
    /// How many entries are routable, and routable and admitting: what sampling needs to know.
    private var routableCount = 0
    private var admittingCount = 0

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
        self.substations = urls.map { Substation(url: $0, ejectionBaseSeconds: ejectionBaseSeconds) }
        self.routing = Array(repeating: RoutingEntry(), count: urls.count)
        self.admittingLoads = Array(repeating: .infinity, count: urls.count)
    }

    mutating func refresh(_ index: Int) {
        count(routing[index], as: -1)
        // Read in place: a copy of the whole entry (its figures and pending dispatches) for every
        // car showed in the profile.
        let routable =
            substations[index].health.isUp && !substations[index].drained && !substations[index].retired && !substations[index].vacant
            && substations[index].figures != nil
        routing[index] = RoutingEntry(
            effectiveLoad: substations[index].effectiveLoad + slowStartPenalty(index), routable: routable,
            admits: routable && substations[index].seemsToAdmit, inFlight: substations[index].pending.inFlight)
        count(routing[index], as: 1)
        admittingLoads[index] = routing[index].admits ? routing[index].effectiveLoad : .infinity
    }

    /// Room for one more entry at the end.
    mutating func appendEntry(_ substation: Substation) {
        substations.append(substation)
        routing.append(RoutingEntry())
        admittingLoads.append(.infinity)
    }

    /// The part of the slow-start penalty left now; it shrinks at each refresh (every scrape).
    private func slowStartPenalty(_ index: Int) -> Double {
        guard slowStartSeconds > 0, let cameBack = substations[index].health.cameBackAt else { return 0 }
        return Self.slowStartPenalty * max(0, 1 - (latestTime - cameBack) / slowStartSeconds)
    }

    private mutating func count(_ entry: RoutingEntry, as sign: Int) {
        guard entry.routable else { return }
        routableCount += sign
        if entry.admits { admittingCount += sign }
    }

    /// Whether any substation is up, undrained and scraped, whether or not it has room.
    public var hasRoutableSubstation: Bool { routableCount > 0 }

    // MARK: Scrapes

    public func beginScrape(of substation: Int, at time: Double) -> ScrapeTicket {
        ScrapeTicket(substation: substation, takenAt: time)
    }

    @discardableResult
    public mutating func scrapeSucceeded(
        _ ticket: ScrapeTicket, figures: ScrapedFigures, at time: Double
    ) -> SubstationHealth.Action? {
        let index = ticket.substation
        guard !substations[index].vacant else { return nil }
        latestTime = max(latestTime, time)
        claim(figures.substationId, for: index)
        // A leftover address of a substation now live elsewhere: vacated, nothing to record.
        guard !substations[index].vacant else { return nil }
        substations[index].figures = figures
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
        guard !substations[ticket.substation].vacant else { return nil }
        defer { refresh(ticket.substation) }
        latestTime = max(latestTime, ticket.takenAt)
        return substations[ticket.substation].health.failed(refused: refused, at: latestTime)
    }

    // MARK: Dispatches

    /// Counts a dispatch the moment it is decided, at the power the substation will grant it.
    public mutating func reserve(_ substation: Int, powerKW: Double) -> DispatchTicket {
        dispatchCount += 1
        let ticket = DispatchTicket(substation: substation, number: dispatchCount)
        let granted = substations[substation].grantedPowerKW(powerKW)
        substations[substation].pending.append(PendingDispatch(ticket: ticket, powerKW: granted, confirmedAt: nil))
        refresh(substation)
        return ticket
    }

    /// The substation admitted it at `time`: it shows in every scrape taken after that.
    public mutating func confirm(_ ticket: DispatchTicket, at now: Double) {
        latestTime = max(latestTime, now)
        let index = ticket.substation
        substations[index].pending.confirm(ticket, at: now)
        routing[index].inFlight = substations[index].pending.inFlight
        if substations[index].retired { forgetConfirmed(index) }
    }

    /// The substation refused it or could not be reached: it never happened.
    @discardableResult
    public mutating func release(_ ticket: DispatchTicket, failure: DispatchFailure? = nil) -> SubstationHealth.Action? {
        let index = ticket.substation
        substations[index].pending.removeAll { $0.ticket == ticket }
        defer {
            refresh(index)
            vacateIfUnneeded(index)
        }
        switch failure {
        case .refusedConnection: return substations[index].health.failed(refused: true, at: latestTime)
        case .unreachable:
            // Never eject the last substation for being slow: with none left every car would be refused.
            let others = routing.indices.contains { $0 != index && routing[$0].routable }
            guard others else { return nil }
            return substations[index].health.failed(refused: false, at: latestTime)
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

    /// The entry that holds substation `id`, if any.
    public func index(ofSubstationId id: String) -> Int? {
        owners[id]
    }

    /// Substations that may take the next car, leaving out those already `tried` for it: those
    /// up, undrained, not retired, and that the view says can admit.
    public func pool(excluding tried: [Int]) -> RoutingPool {
        RoutingPool(entries: routing, admittingLoads: admittingLoads, tried: tried, admitting: admittingCount)
    }

    /// The eligible substations of `pool(excluding:)` as a list, in substation order.
    public func candidates(excluding tried: [Int]) -> [RoutingCandidate] {
        let pool = pool(excluding: tried)
        return (0..<pool.slotCount).filter(pool.isEligible).map {
            RoutingCandidate(substation: $0, effectiveLoad: pool.effectiveLoad($0))
        }
    }
}

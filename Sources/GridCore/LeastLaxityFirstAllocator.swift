/// Least laxity first: laxity is the time left before departure minus the time the remaining
/// energy takes at full power; the session with the least gets its full requested power first
/// (ACN-Sim's LLF). Laxity shrinks while a session waits, so the owner re-plans periodically.
/// Sessions staying until full have infinite laxity: they come last and share what is left equally.
public enum LeastLaxityFirstAllocator {
    /// Seconds of slack of `session` at `now`; +infinity without a departure time.
    public static func laxity(of session: ChargingSession, now: Double) -> Double {
        guard let departure = session.departureAtSimulatedSeconds else { return .infinity }
        let needed = session.requestedPowerKW > 0 ? session.remainingKWh / session.requestedPowerKW * 3600 : .infinity
        return departure - now - needed
    }

    /// Adds `power` (kW) to the sessions' current `powerKW`, least laxity first.
    public static func share(_ power: Double, now: Double, _ sessions: inout [ChargingSession]) {
        let laxities = sessions.map { laxity(of: $0, now: now) }
        let deadlineRank = PowerAllocation.deadlineOrder(sessions)
        var rank = [Int](repeating: 0, count: sessions.count)
        for (position, index) in deadlineRank.enumerated() { rank[index] = position }
        let order = sessions.indices.sorted { a, b in
            laxities[a] != laxities[b] ? laxities[a] < laxities[b] : rank[a] < rank[b]
        }
        PowerAllocation.fillDeadlinesThenStayers(power, order: order, &sessions)
    }
}

/// Receding-horizon allocation for sessions that say when they leave.
///
/// At every re-plan it looks at the sessions present (not at cars yet to come), assuming the
/// power available now stays available:
/// 1. Promises: in order of departure, it keeps every session that can still be filled by its
///    departure together with those already kept (an exact check over every horizon).
/// 2. Each promised session gets the least it must get now for all promises to hold: an
///    as-late-as-possible plan, built backwards from the last departure, serving in each stretch
///    of time the sessions needing the longest at full power.
/// 3. The rest goes first to the sessions it could not promise, earliest departure first (what
///    they miss now they never get), then to the promised ones, earliest departure first.
/// So promised sessions fill up (many demands fully met, like EDF) while no power is spent on a
/// session that could have waited when another one is running out of time (energy close to the
/// offline optimum, like LLF), and power is never left idle.
///
/// The current slot ends at the next re-plan or the earliest departure, whichever comes first.
/// Sessions without a departure time are never promised nor forced: they share what is left.
/// Costs O(n² log n) for n sessions per re-plan.
public enum RecedingHorizonAllocator {
    /// Adds `power` (kW, what is left after the floors) to the sessions' current `powerKW`.
    /// - Parameters:
    ///   - total: the power available for EVs, floors included: the limit assumed for the future.
    ///   - slotEnd: the next re-plan; the slot ends sooner if a session departs before it.
    public static func share(_ power: Double, total: Double, now: Double, slotEnd: Double, _ sessions: inout [ChargingSession]) {
        var wanted = 0.0
        for index in sessions.indices { wanted += sessions[index].requestedPowerKW - sessions[index].powerKW }
        let order = PowerAllocation.deadlineOrder(sessions)
        // Enough for everyone: nothing to decide.
        guard wanted > power else {
            PowerAllocation.fillDeadlinesThenStayers(power, order: order, &sessions)
            return
        }
        var end = slotEnd
        for index in sessions.indices {
            if let departure = sessions[index].departureAtSimulatedSeconds, departure > now { end = min(end, departure) }
        }
        let slot = max(end - now, 1e-6)
        // Sessions with a departure, in order of departure; what each still needs after what
        // the floor gives it in this slot, in kW·s.
        let candidates = order.filter { sessions[$0].departureAtSimulatedSeconds != nil && sessions[$0].requestedPowerKW > 0 }
        var chosen = Promise(power: power, total: total, slot: slot)
        var promised: [Int] = []
        for index in candidates {
            let session = sessions[index]
            let need = max(0, session.remainingKWh - session.powerKW * slot / 3600) * 3600
            if chosen.add(need: need, rate: session.requestedPowerKW, window: session.departureAtSimulatedSeconds! - now) {
                promised.append(index)
            }
        }
        // Latest departure first, for the backward plan.
        let planned = Array(promised.reversed())
        var needed = planned.map { index -> Double in
            let session = sessions[index]
            let remaining = session.remainingKWh - session.powerKW * slot / 3600
            return max(0, remaining) / session.requestedPowerKW * 3600
        }
        let rates = planned.map { sessions[$0].requestedPowerKW }
        // Backwards through the stretches between departures, down to the end of this slot.
        var active = 0
        while active < planned.count {
            let stretchEnd = max(end, sessions[planned[active]].departureAtSimulatedSeconds!)
            while active < planned.count, sessions[planned[active]].departureAtSimulatedSeconds! >= stretchEnd { active += 1 }
            let stretchStart = active < planned.count ? max(end, sessions[planned[active]].departureAtSimulatedSeconds!) : end
            let span = stretchEnd - stretchStart
            guard span > 0 else { continue }
            let served = level(needed: needed, rates: rates, count: active, span: span, capacity: total * span)
            for position in 0..<active { needed[position] -= served[position] }
        }
        // What the plan could not postpone must be given in this slot.
        let forced = level(needed: needed, rates: rates, count: planned.count, span: slot, capacity: power * slot)
        var left = power
        for (position, index) in planned.enumerated() {
            let extra = min(left, forced[position] / slot * rates[position], sessions[index].requestedPowerKW - sessions[index].powerKW)
            if extra > 0 {
                sessions[index].powerKW += extra
                left -= extra
            }
        }
        // The promised sessions have what they need now; what could fill the others goes to
        // them, earliest departure first, then the promised ones, then those staying until full.
        let promisedSet = Set(promised)
        left = PowerAllocation.fillInOrder(left, order: candidates.filter { !promisedSet.contains($0) }, &sessions)
        PowerAllocation.fillDeadlinesThenStayers(left, order: order, &sessions)
    }

    /// A set of sessions that can all still be filled by their departures, checked as sessions
    /// join: for every horizon t, the energy they must get before t (what their rate cannot fit
    /// after t) is at most the energy available before t. For sessions all present now, those
    /// cuts are the only ones that matter, so the check is exact; a session joins in O(members).
    struct Promise {
        let power: Double
        let total: Double
        let slot: Double
        private var horizons: [Double]
        /// Energy available before each horizon minus what the members must get before it (kW·s).
        private var slack: [Double]
        private var members: [(need: Double, rate: Double, window: Double)] = []
        static let tolerance = 1e-6

        init(power: Double, total: Double, slot: Double) {
            self.power = power
            self.total = total
            self.slot = slot
            horizons = [slot]
            slack = [power * slot]
        }

        func available(before horizon: Double) -> Double {
            power * min(horizon, slot) + total * max(0, horizon - slot)
        }

        static func mustGet(_ member: (need: Double, rate: Double, window: Double), before horizon: Double) -> Double {
            max(0, member.need - member.rate * max(0, member.window - horizon))
        }

        /// Adds a session needing `need` kW·s at up to `rate` kW within `window` seconds, if all
        /// can still be filled with it; false (and unchanged) otherwise.
        mutating func add(need: Double, rate: Double, window: Double) -> Bool {
            let member = (need: need, rate: rate, window: window)
            guard need > 0 else { return true }
            let start = window - need / rate
            guard start >= -Self.tolerance else { return false }
            for index in horizons.indices where slack[index] - Self.mustGet(member, before: horizons[index]) < -Self.tolerance {
                return false
            }
            var added: [(horizon: Double, slack: Double)] = []
            for horizon in [max(0, start), window] {
                var left = available(before: horizon) - Self.mustGet(member, before: horizon)
                for other in members { left -= Self.mustGet(other, before: horizon) }
                if left < -Self.tolerance { return false }
                added.append((horizon, left))
            }
            for index in horizons.indices { slack[index] -= Self.mustGet(member, before: horizons[index]) }
            for point in added {
                horizons.append(point.horizon)
                slack.append(point.slack)
            }
            members.append(member)
            return true
        }
    }

    /// Serves the first `count` sessions over `span` seconds with `capacity` kW·s, those needing
    /// the longest at full power first, levelling them down together (a session runs at most at
    /// its rate): returns the seconds at full power each one got.
    static func level(needed: [Double], rates: [Double], count: Int, span: Double, capacity: Double) -> [Double] {
        var most = 0.0
        for position in 0..<count { most += rates[position] * min(span, needed[position]) }
        guard most > capacity else { return (0..<count).map { min(span, needed[$0]) } }
        // g(h) = sum of rate * clamp(needed - h, 0, span) grows as the level h goes down; find g(h) = capacity.
        var events: [(at: Double, slope: Double)] = []
        events.reserveCapacity(2 * count)
        for position in 0..<count where needed[position] > 0 {
            events.append((needed[position], rates[position]))
            events.append((needed[position] - span, -rates[position]))
        }
        events.sort { $0.at > $1.at }
        var level = events.first?.at ?? 0
        var slope = 0.0
        var served = 0.0
        for event in events {
            let drop = level - event.at
            if slope > 0, served + slope * drop >= capacity {
                level -= (capacity - served) / slope
                served = capacity
                break
            }
            served += slope * drop
            level = event.at
            slope += event.slope
        }
        return (0..<count).map { min(span, max(0, needed[$0] - level)) }
    }
}

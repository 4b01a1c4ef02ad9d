extension LoadView {
    /// A substation's dispatches not yet seen in a scrape, in the order they were decided, with
    /// the power they hold kept as a running sum.
    ///
    /// Between two scrapes a busy substation collects hundreds of them (every car admitted since
    /// the last one), and the routing decision reads their power for every car: summing them each
    /// time, and searching from the oldest for the one an answer confirms, showed in the
    /// balancer's profile. The sum is the same as adding them up in order: it grows as they come
    /// and is added up again whenever some leave.
    struct PendingDispatches: Sendable {
        private(set) var dispatches: [PendingDispatch] = []
        /// The power of every dispatch, added in order.
        private(set) var powerKW: Double = 0
        /// Dispatches decided but not yet answered, kept as a count: routing reads it for every car.
        private(set) var inFlight = 0

        var count: Int { dispatches.count }
        var isEmpty: Bool { dispatches.isEmpty }

        mutating func append(_ dispatch: PendingDispatch) {
            dispatches.append(dispatch)
            powerKW += dispatch.powerKW
            if dispatch.confirmedAt == nil { inFlight += 1 }
        }

        /// Marks `ticket` confirmed at `time`; the newest are searched first, as answers come
        /// soon after their decisions.
        mutating func confirm(_ ticket: DispatchTicket, at time: Double) {
            if let position = dispatches.lastIndex(where: { $0.ticket == ticket }) {
                if dispatches[position].confirmedAt == nil { inFlight -= 1 }
                dispatches[position].confirmedAt = time
            }
        }

        mutating func removeAll(where leaves: (PendingDispatch) -> Bool) {
            let before = dispatches.count
            dispatches.removeAll(where: leaves)
            if dispatches.count != before {
                powerKW = dispatches.reduce(0) { $0 + $1.powerKW }
                inFlight = dispatches.count(where: { $0.confirmedAt == nil })
            }
        }
    }
}

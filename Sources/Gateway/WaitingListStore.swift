import GridCore

/// Where the waiting line outlives the gateway process. Every change is guarded by the car's
/// state, so a car admitted and cancelled at the same moment ends exactly one way.
public protocol WaitingListStore: Sendable {
    func enqueue(_ entry: WaitingLine.Entry) async throws
    /// Marks (or, with `since` nil, clears) an attempt to place the car whose fate may be unknown.
    func markPlacing(_ orderId: String, since: Double?) async throws
    /// Ends a waiting car's wait as `ending`; for `admitted`, records where its session lives in
    /// the same step. False when the car was no longer waiting (nothing changed).
    func end(_ orderId: String, as ending: WaitingLine.Ending, bookedAt location: SessionLocation?) async throws -> Bool
    /// The cars still waiting, in the order they joined, and the latest that ended.
    func waitingLine(endedLimit: Int) async throws -> (waiting: [WaitingLine.Entry], ended: [(WaitingLine.Ending, WaitingLine.Entry)])
}

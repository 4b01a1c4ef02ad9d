import GridCore

/// A waiting list shared by several gateways: one line in the database, which every gateway
/// reads and changes there (nothing of it is kept in process). One car is placed at a time,
/// by whichever gateway holds the head's lease.
public protocol SharedWaitingListStore: WaitingListStore {
    /// Joins the end of the line unless `capacity` cars already wait; the car's position, or nil when full.
    func enqueue(_ entry: WaitingLine.Entry, capacity: Int) async throws -> Int?
    /// How many cars wait now.
    func waitingCount() async throws -> Int
    /// Where the car is now, nil when never heard of.
    func place(of orderId: String) async throws -> WaitingLine.Place?
    /// Leases the head of the line until `now + leaseSeconds`, if nobody else holds it; its
    /// `placing` tells whether an earlier attempt's fate is unknown.
    func leaseHead(now: Double, leaseSeconds: Double) async throws -> WaitingLine.Entry?
    /// The head's attempt ended with nothing booked: give up its lease.
    func release(_ orderId: String) async throws
    /// Ends the waits that ran out by `now`; the cars that left.
    func expire(now: Double) async throws -> [WaitingLine.Entry]
    /// The driver leaves; the car, or nil when it was no longer waiting.
    func cancel(_ orderId: String) async throws -> WaitingLine.Entry?
}

/// A store that can say whether it can be reached now (for `/ready`).
public protocol StoreReadiness: Sendable {
    func isReachable() async -> Bool
}

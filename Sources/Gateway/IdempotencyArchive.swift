import GridCore

/// A final answer to a request that carried an `Idempotency-Key`, as kept across restarts.
public struct ArchivedAnswer: Sendable, Equatable {
    public var key: String
    public var fingerprint: String
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Wall-clock seconds since 1970.
    public var answeredAt: Double

    public init(key: String, fingerprint: String, status: Int, headers: [(name: String, value: String)], body: [UInt8], answeredAt: Double)
    {
        self.key = key
        self.fingerprint = fingerprint
        self.status = status
        self.headers = headers
        self.body = body
        self.answeredAt = answeredAt
    }

    public static func == (lhs: ArchivedAnswer, rhs: ArchivedAnswer) -> Bool {
        lhs.key == rhs.key && lhs.fingerprint == rhs.fingerprint && lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.answeredAt == rhs.answeredAt && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// Where idempotent requests outlive the gateway process: the order id each key is bound to
/// until its answer is final, then the final answer.
public protocol IdempotencyArchive: Sendable {
    /// Keeps the binding of a key to its order id; returns once it is kept.
    func bind(_ order: BoundOrder) async throws
    /// The key's order `orderId` booked nothing: a retry may place a fresh one. A newer binding
    /// of the key (another order id) stays.
    func unbind(key: String, orderId: String) async throws
    /// Keeps the final answer (and drops the key's binding, in one step).
    func keep(_ answer: ArchivedAnswer) async throws
    /// The answers given at or after `time` (older ones are dropped).
    func answers(since time: Double) async throws -> [ArchivedAnswer]
    /// Keys still bound to an order without a final answer, bound at or after `time`.
    func boundOrders(since time: Double) async throws -> [BoundOrder]
}

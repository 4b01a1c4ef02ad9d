/// A key bound to an order that has no final answer yet, as kept across restarts.
public struct BoundOrder: Sendable, Equatable {
    public var key: String
    public var fingerprint: String
    public var orderId: String
    /// When its latest attempt started.
    public var since: Double

    public init(key: String, fingerprint: String, orderId: String, since: Double) {
        self.key = key
        self.fingerprint = fingerprint
        self.orderId = orderId
        self.since = since
    }
}

import GridCore

/// What the shared store decided about an `Idempotency-Key` when a gateway claimed it.
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key was free: it is now bound to this order, and this gateway places it.
    case claimed(BoundOrder)
    /// The key was bound to an order whose fate is unknown and whose attempt is over (older than
    /// the fate window): this gateway took it over, with `since` renewed, and resolves it.
    case takenOver(BoundOrder)
    /// Another attempt holds the key now (in this gateway or another): in progress, or a conflict.
    case bound(BoundOrder)
    /// The key's final answer.
    case answered(ArchivedAnswer)
}

/// An archive shared by several gateways: the database, not an in-process lock, decides which
/// gateway places a key's order (a unique key, `INSERT ... ON CONFLICT DO NOTHING`).
public protocol SharedIdempotencyArchive: IdempotencyArchive {
    /// Binds `order.key` to `order` if it is free; else says who holds it, or its answer.
    /// Keys bound longer ago than `fateWindowSeconds` and still unanswered are taken over.
    func claim(_ order: BoundOrder, fateWindowSeconds: Double, lifetimeSeconds: Double) async throws -> IdempotencyClaim
}

/// Ids of orders withdrawn (DELETE) before any POST of them arrived: a tombstone each, so an
/// order that was slow on another connection cannot start after its undo. The oldest are
/// forgotten past `limit` (long after any such order could still arrive).
public struct WithdrawnOrders: Sendable {
    private var ids: Set<String> = []
    private var order: [String] = []
    private var start = 0
    public let limit: Int

    public init(limit: Int, restoring restored: [String] = []) {
        self.limit = limit
        for id in restored { insert(id) }
    }

    public func contains(_ id: String) -> Bool { ids.contains(id) }

    public var count: Int { ids.count }

    public mutating func insert(_ id: String) {
        guard limit > 0, ids.insert(id).inserted else { return }
        order.append(id)
        if order.count - start > limit {
            ids.remove(order[start])
            start += 1
            if start > limit {
                order.removeFirst(start)
                start = 0
            }
        }
    }
}

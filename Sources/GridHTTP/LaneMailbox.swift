/// Where a connection's lane hands its requests to the one task that answers them (`FastLane`):
/// a single slot, since the lane gives it the next request only after the last answer was
/// written. Used on the connection's event loop only.
///
/// Why one task per connection and not one per request: creating, starting, completing and
/// destroying a task per request was about a tenth of the balancer's user time in the profile.
final class LaneMailbox<Item: Sendable> {
    private var item: Item?
    private var waiting: UnsafeContinuation<Item?, Never>?
    private(set) var isClosed = false

    /// Gives the task its next item, waking it if it waits.
    func deliver(_ next: Item) {
        precondition(item == nil, "the lane delivers one request at a time")
        if let waiting {
            self.waiting = nil
            waiting.resume(returning: next)
        } else {
            item = next
        }
    }

    /// Resumes `waiter` with the next item as soon as there is one, or with nil once the
    /// mailbox is closed and empty.
    func take(into waiter: UnsafeContinuation<Item?, Never>) {
        precondition(waiting == nil, "one task takes from a lane's mailbox")
        if let next = item {
            item = nil
            waiter.resume(returning: next)
        } else if isClosed {
            waiter.resume(returning: nil)
        } else {
            waiting = waiter
        }
    }

    /// No more items: a task waiting gets nil.
    func close() {
        isClosed = true
        if item == nil, let waiting {
            self.waiting = nil
            waiting.resume(returning: nil)
        }
    }
}

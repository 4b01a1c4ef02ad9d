import AsyncAlgorithms
import Logging
import ServiceLifecycle
import Synchronization

/// Orders whose fate is unknown (the dispatch timed out, the connection broke, the answer could
/// not be recorded) and whose undo could not be delivered yet: they may have been admitted, so
/// they are undone as soon as someone answers. Without this, a substation that dies mid-order and
/// comes back with its journal would keep a session nobody was told about.
public final class UndoQueue: Sendable {
    public struct Pending: Equatable, Sendable {
        public var sessionId: String
        /// Where to undo it: a substation's URL for the balancer, the balancer for the gateway.
        public var place: String
        public var since: ContinuousClock.Instant
    }

    /// Sends one undo; true once it was answered (undone, or never admitted).
    public typealias Undo = @Sendable (Pending) async -> Bool

    private let pending = Mutex<[Pending]>([])
    private let undo: Undo
    /// An undo is given up after this long (nobody ever answered).
    public let patience: Duration

    public init(patience: Duration = .seconds(600), undo: @escaping Undo) {
        self.patience = patience
        self.undo = undo
    }

    /// Undoes now; if nobody answers, keeps it for `retry`. Whether the undo was confirmed.
    @discardableResult
    public func undoNow(sessionId: String, at place: String) async -> Bool {
        let item = Pending(sessionId: sessionId, place: place, since: .now)
        if await undo(item) { return true }
        pending.withLock { $0.append(item) }
        return false
    }

    public var count: Int { pending.withLock { $0.count } }

    /// Tries every pending undo once; keeps those that still got no answer.
    public func retry(logger: Logger) async {
        let batch = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        var unanswered: [Pending] = []
        for item in batch {
            if await undo(item) {
                logger.info("undid an order whose answer was lost", metadata: ["id": "\(item.sessionId)", "at": "\(item.place)"])
            } else if ContinuousClock.now - item.since < patience {
                unanswered.append(item)
            } else {
                logger.warning("gave up undoing an order", metadata: ["id": "\(item.sessionId)", "at": "\(item.place)"])
            }
        }
        pending.withLock { $0.insert(contentsOf: unanswered, at: 0) }
    }
}

/// Retries the undo queue every second.
public struct UndoService: Service {
    let queue: UndoQueue
    let logger: Logger

    public init(queue: UndoQueue, logger: Logger) {
        self.queue = queue
        self.logger = logger
    }

    public func run() async throws {
        for await _ in AsyncTimerSequence(interval: .seconds(1), clock: .continuous).cancelOnGracefulShutdown() {
            await queue.retry(logger: logger)
        }
    }
}

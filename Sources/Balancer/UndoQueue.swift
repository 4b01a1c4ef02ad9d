import AsyncAlgorithms
import Logging
import ServiceLifecycle
import Synchronization

/// Orders whose fate is unknown (the dispatch timed out or the connection broke, and the
/// immediate DELETE got no answer either): they may have been admitted, so they are undone as
/// soon as their substation answers again. Without this, a substation that dies mid-order and
/// comes back (with its journal) would keep a session nobody was told about.
final class UndoQueue: Sendable {
    struct Pending: Equatable, Sendable {
        var sessionId: String
        var url: String
        var since: ContinuousClock.Instant
    }

    private let pending = Mutex<[Pending]>([])
    /// An undo is given up after this long (the substation never came back).
    static let patience = Duration.seconds(600)

    func add(sessionId: String, url: String) {
        pending.withLock { $0.append(Pending(sessionId: sessionId, url: url, since: .now)) }
    }

    var count: Int { pending.withLock { $0.count } }

    /// Tries every pending undo once; keeps those that still got no answer.
    func retry(with client: any SubstationClient, logger: Logger) async {
        let batch = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        var unanswered: [Pending] = []
        for undo in batch {
            if await client.cancel(sessionId: undo.sessionId, at: undo.url, timeout: .milliseconds(500)) {
                logger.info("undid an order whose answer was lost", metadata: ["id": "\(undo.sessionId)", "substation": "\(undo.url)"])
            } else if ContinuousClock.now - undo.since < Self.patience {
                unanswered.append(undo)
            } else {
                logger.warning("gave up undoing an order", metadata: ["id": "\(undo.sessionId)", "substation": "\(undo.url)"])
            }
        }
        pending.withLock { $0.insert(contentsOf: unanswered, at: 0) }
    }
}

/// Retries the undo queue every second.
struct UndoService: Service {
    let queue: UndoQueue
    let client: any SubstationClient
    let logger: Logger

    func run() async throws {
        for await _ in AsyncTimerSequence(interval: .seconds(1), clock: .continuous).cancelOnGracefulShutdown() {
            await queue.retry(with: client, logger: logger)
        }
    }
}

import Foundation
import GridCore
import HTTPTypes
import Logging
import NIOCore
import Synchronization

/// The gateway's idempotency ledger behind a lock, on wall-clock time. Keys live 24 h; with an
/// archive, final answers are also kept there and survive a restart.
final class IdempotencyStore: Sendable {
    private let ledger = Mutex(IdempotencyLedger<GatewayRoutes.BookingAnswer>())
    private let archive: (any IdempotencyArchive)?
    private let logger = Logger(label: "smartgrid.gateway")

    /// - Parameter restored: answers read back from `archive` at start.
    init(archive: (any IdempotencyArchive)?, restored: [ArchivedAnswer]) {
        self.archive = archive
        ledger.withLock { ledger in
            for answer in restored {
                var headers = HTTPFields()
                for (name, value) in answer.headers {
                    if let field = HTTPField.Name(name) { headers[field] = value }
                }
                let booking = GatewayRoutes.BookingAnswer(status: answer.status, headers: headers, body: ByteBuffer(bytes: answer.body))
                ledger.record(key: answer.key, fingerprint: answer.fingerprint, answer: booking, now: answer.answeredAt)
            }
        }
    }

    private var now: Double { Date().timeIntervalSince1970 }

    func check(key: String, fingerprint: String) -> IdempotencyLedger<GatewayRoutes.BookingAnswer>.Verdict {
        let now = now
        return ledger.withLock { $0.check(key: key, fingerprint: fingerprint, now: now) }
    }

    /// Keeps the final answer: in the archive first (if any), so a retry after a crash replays it.
    func record(key: String, fingerprint: String, answer: GatewayRoutes.BookingAnswer) async {
        let now = now
        if let archive {
            let archived = ArchivedAnswer(
                key: key, fingerprint: fingerprint, status: answer.status,
                headers: answer.headers.map { (name: $0.name.canonicalName, value: $0.value) }, body: Array(answer.body.readableBytesView),
                answeredAt: now)
            do {
                try await archive.keep(archived)
            } catch {
                logger.error("could not archive the answer to an idempotent request", metadata: ["error": "\(error)"])
            }
        }
        ledger.withLock { $0.record(key: key, fingerprint: fingerprint, answer: answer, now: now) }
    }

    func abandon(key: String) {
        ledger.withLock { $0.abandon(key: key) }
    }
}

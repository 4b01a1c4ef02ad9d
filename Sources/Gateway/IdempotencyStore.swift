import Foundation
import GridCore
import Synchronization

/// The gateway's idempotency ledger behind a lock, on wall-clock time. In memory: keys live 24 h
/// or until the gateway restarts.
final class IdempotencyStore: Sendable {
    private let ledger = Mutex(IdempotencyLedger<GatewayRoutes.BookingAnswer>())

    private var now: Double { Date().timeIntervalSince1970 }

    func check(key: String, fingerprint: String) -> IdempotencyLedger<GatewayRoutes.BookingAnswer>.Verdict {
        let now = now
        return ledger.withLock { $0.check(key: key, fingerprint: fingerprint, now: now) }
    }

    func record(key: String, fingerprint: String, answer: GatewayRoutes.BookingAnswer) {
        let now = now
        ledger.withLock { $0.record(key: key, fingerprint: fingerprint, answer: answer, now: now) }
    }

    func abandon(key: String) {
        ledger.withLock { $0.abandon(key: key) }
    }
}

import Foundation
import GridCore
import GridHTTP
import HTTPTypes
import NIOCore
import Synchronization

/// The gateway's idempotency ledger behind a lock, with an archive (when there is one) that
/// keeps each key's order id before the order is placed and its final answer before the client
/// hears it. Keys live 24 h.
final class IdempotencyStore: Sendable {
    typealias Ledger = IdempotencyLedger<GatewayRoutes.BookingAnswer>
    private let ledger: Mutex<Ledger>
    private let archive: (any IdempotencyArchive)?
    private let now: @Sendable () -> Double

    /// - Parameters:
    ///   - restored: answers and bound orders read back from `archive` at start.
    ///   - fateWindowSeconds: how long after an attempt its order may still land (the gateway's
    ///     wait for the balancer).
    ///   - now: wall-clock seconds since 1970.
    init(
        archive: (any IdempotencyArchive)?, restored: [ArchivedAnswer], restoredOrders: [BoundOrder] = [],
        fateWindowSeconds: Double, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.archive = archive
        self.now = now
        var ledger = Ledger(fateWindowSeconds: fateWindowSeconds)
        for answer in restored {
            var headers = HTTPFields()
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
            let booking = GatewayRoutes.BookingAnswer(status: answer.status, headers: headers, body: ByteBuffer(bytes: answer.body))
            ledger.record(key: answer.key, fingerprint: answer.fingerprint, answer: booking, now: answer.answeredAt)
        }
        for order in restoredOrders { ledger.restore(order) }
        self.ledger = Mutex(ledger)
    }

    func check(key: String, fingerprint: String) -> Ledger.Verdict {
        let now = now()
        return ledger.withLock { $0.check(key: key, fingerprint: fingerprint, now: now, newOrderId: { UUID().uuidString.lowercased() }) }
    }

    /// Keeps the key's order id before the order is placed; if it cannot be kept, the key is
    /// forgotten and nothing is placed.
    func bind(key: String) async throws {
        guard let archive, let bound = ledger.withLock({ $0.boundOrder(key: key) }) else { return }
        do {
            try await archive.bind(bound)
        } catch {
            ledger.withLock { $0.abandon(key: key) }
            throw Problem.storageUnavailable("the gateway could not record the request, so nothing was booked; retry")
        }
    }

    /// Binds the key to a fresh order id (the old one is fenced off everywhere), in the archive
    /// first; the new id.
    func rebind(key: String) async throws -> String {
        let now = now()
        let fresh = UUID().uuidString.lowercased()
        guard let bound = ledger.withLock({ $0.rebind(key: key, orderId: fresh, now: now) }) else {
            throw Problem.storageUnavailable("the request with this Idempotency-Key changed meanwhile; retry")
        }
        do {
            try await archive?.bind(bound)
        } catch {
            throw Problem.storageUnavailable("the gateway could not record the request, so nothing was booked; retry")
        }
        return fresh
    }

    /// Keeps the final answer, in the archive first: a retry after a crash replays it. If it
    /// cannot be kept, the order stays unresolved and the client is told to retry.
    func record(key: String, fingerprint: String, answer: GatewayRoutes.BookingAnswer) async throws {
        let now = now()
        if let archive {
            let archived = ArchivedAnswer(
                key: key, fingerprint: fingerprint, status: answer.status,
                headers: answer.headers.map { (name: $0.name.canonicalName, value: $0.value) }, body: Array(answer.body.readableBytesView),
                answeredAt: now)
            do {
                try await archive.keep(archived)
            } catch {
                markUnresolved(key: key)
                throw Problem.storageUnavailable("the gateway could not record the answer; retry with the same Idempotency-Key")
            }
        }
        ledger.withLock { $0.record(key: key, fingerprint: fingerprint, answer: answer, now: now) }
    }

    /// Nothing was booked: a retry places a fresh order.
    func abandon(key: String) async {
        let bound = ledger.withLock { ledger in
            defer { ledger.abandon(key: key) }
            return ledger.boundOrder(key: key)
        }
        guard let bound else { return }
        // Should this fail, the binding outlives the key's abandonment; a retry then resolves the
        // order, finds it nowhere and places it: still booked once.
        try? await archive?.unbind(key: key, orderId: bound.orderId)
    }

    /// The order's fate is unknown: the next retry with the key resolves it.
    func markUnresolved(key: String) {
        ledger.withLock { $0.markUnresolved(key: key) }
    }
}

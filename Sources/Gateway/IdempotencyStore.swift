import Foundation
import GridCore
import GridHTTP
import HTTPTypes
import NIOCore
import Synchronization

/// The gateway's idempotency ledger behind a lock, with an archive (when there is one) that
/// keeps each key's order id before the order is placed and its final answer before the client
/// hears it. Keys live 24 h.
///
/// With a shared archive (several gateways on one database), the archive is the authority: a
/// key this process has not answered or is not placing is claimed there, and the database's
/// unique key decides which gateway places the order.
final class IdempotencyStore: Sendable {
    typealias Ledger = IdempotencyLedger<WireAnswer>
    private let ledger: Mutex<Ledger>
    private let archive: (any IdempotencyArchive)?
    private let shared: (any SharedIdempotencyArchive)?
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
        self.shared = archive as? any SharedIdempotencyArchive
        self.now = now
        var ledger = Ledger(fateWindowSeconds: fateWindowSeconds)
        for answer in restored {
            ledger.record(key: answer.key, fingerprint: answer.fingerprint, answer: Self.booking(answer), now: answer.answeredAt)
        }
        for order in restoredOrders { ledger.restore(order) }
        self.ledger = Mutex(ledger)
    }

    private static func booking(_ answer: ArchivedAnswer) -> WireAnswer {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return WireAnswer(status: .init(code: answer.status), headers: headers, body: ByteBuffer(bytes: answer.body))
    }

    /// What to do with a request carrying `key`. Throws a 503 problem when the shared archive
    /// cannot be reached.
    func check(key: String, fingerprint: String) async throws -> Ledger.Verdict {
        let now = now()
        guard let shared else {
            return ledger.withLock {
                $0.check(key: key, fingerprint: fingerprint, now: now, newOrderId: { RandomUUID.text() })
            }
        }
        if let known = ledger.withLock({ $0.known(key: key, fingerprint: fingerprint, now: now) }) { return known }
        let (fateWindow, lifetime) = ledger.withLock { ($0.fateWindowSeconds, $0.lifetimeSeconds) }
        let claim: IdempotencyClaim
        do {
            claim = try await shared.claim(
                BoundOrder(key: key, fingerprint: fingerprint, orderId: RandomUUID.text(), since: now),
                fateWindowSeconds: fateWindow, lifetimeSeconds: lifetime)
        } catch {
            throw Problem.storageUnavailable("the gateway could not reach its database, so nothing was booked; retry")
        }
        switch claim {
        case .claimed(let bound):
            ledger.withLock { $0.place(bound) }
            return .proceed(orderId: bound.orderId)
        case .takenOver(let bound):
            ledger.withLock { $0.place(bound) }
            return .resolve(orderId: bound.orderId)
        case .bound(let bound):
            return bound.fingerprint == fingerprint ? .inProgress : .conflict
        case .answered(let answer):
            guard answer.fingerprint == fingerprint else { return .conflict }
            let booking = Self.booking(answer)
            ledger.withLock { $0.record(key: key, fingerprint: fingerprint, answer: booking, now: answer.answeredAt) }
            return .replay(booking)
        }
    }

    /// Keeps the key's order id before the order is placed; if it cannot be kept, the key is
    /// forgotten and nothing is placed. (A shared archive bound it when it was claimed.)
    func bind(key: String) async throws {
        guard shared == nil, let archive, let bound = ledger.withLock({ $0.boundOrder(key: key) }) else { return }
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
        let fresh = RandomUUID.text()
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
    func record(key: String, fingerprint: String, answer: WireAnswer) async throws {
        let now = now()
        if let archive {
            let archived = ArchivedAnswer(
                key: key, fingerprint: fingerprint, status: answer.status.code,
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

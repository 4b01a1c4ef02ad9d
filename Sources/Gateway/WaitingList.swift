import Foundation
import GridCore
import GridHTTP
import Synchronization

/// The gateway's waiting line: the pure `WaitingLine` behind a lock, kept in the store (when
/// there is one) before anything is answered, and counted in metrics.
///
/// With a shared store (several gateways on one database) the line lives only there: every
/// question goes to the store, and the worker leases the head before placing it.
final class WaitingList: Sendable {
    private let line: Mutex<WaitingLine>
    private let store: (any WaitingListStore)?
    private let shared: (any SharedWaitingListStore)?
    /// How long a gateway holds the head while it places it; longer than the balancer's deadline.
    static let leaseSeconds = 15.0
    /// Where admitted cars' sessions are recorded when there is no store.
    private let directory: any SessionDirectory
    let metrics: WaitingListMetrics

    init(
        capacity: Int, store: (any WaitingListStore)?, directory: any SessionDirectory, metrics: WaitingListMetrics,
        restored: (waiting: [WaitingLine.Entry], ended: [(WaitingLine.Ending, WaitingLine.Entry)]) = ([], [])
    ) {
        var line = WaitingLine(capacity: capacity)
        line.restore(waiting: restored.waiting, ended: restored.ended)
        self.line = Mutex(line)
        self.store = store
        self.shared = store as? any SharedWaitingListStore
        self.directory = directory
        self.metrics = metrics
        metrics.length.set(Double(line.count))
    }

    var count: Int { line.withLock { $0.count } }

    /// Whether any car waits (then a newcomer joins the end of the line: first come, first served).
    func hasWaiting() async throws -> Bool {
        guard let shared else { return count > 0 }
        return try await Self.reading { try await shared.waitingCount() > 0 }
    }

    func place(of orderId: String) async throws -> WaitingLine.Place? {
        guard let shared else { return line.withLock { $0.place(of: orderId) } }
        return try await Self.reading { try await shared.place(of: orderId) }
    }

    /// The car to place next; with a shared store, only when this gateway got the head's lease.
    func nextHead(now: Double) async -> WaitingLine.Entry? {
        guard let shared else { return line.withLock { $0.head } }
        return try? await shared.leaseHead(now: now, leaseSeconds: Self.leaseSeconds)
    }

    /// The head's attempt booked nothing: another gateway (or the next round) may place it.
    func release(_ orderId: String) async {
        try? await shared?.release(orderId)
    }

    private static func reading<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Problem.storageUnavailable("the gateway could not read the waiting list; retry")
        }
    }

    /// Joins the line, in the store first; the car's position. Throws a 503 problem when the line
    /// is full or cannot be kept.
    func enqueue(_ entry: WaitingLine.Entry, retryAfterSeconds: Int) async throws -> Int {
        if let shared {
            let position: Int?
            do {
                position = try await shared.enqueue(entry, capacity: line.withLock { $0.capacity })
            } catch {
                throw Problem.storageUnavailable("the gateway could not record the car in the waiting list; retry")
            }
            guard let position else {
                throw Problem.noCapacity(
                    "no substation can admit this vehicle now and the waiting list is full", retryAfterSeconds: retryAfterSeconds)
            }
            metrics.length.set(Double(position))
            return position
        }
        let position: Int
        do {
            position = try line.withLock { line throws(WaitingLine.Refusal) in try line.enqueue(entry) }
        } catch {
            throw Problem.noCapacity(
                "no substation can admit this vehicle now and the waiting list is full (\(count) cars)", retryAfterSeconds: retryAfterSeconds)
        }
        do {
            try await store?.enqueue(entry)
        } catch {
            line.withLock { _ = $0.end(entry.orderId, as: .cancelled) }
            throw Problem.storageUnavailable("the gateway could not record the car in the waiting list; retry")
        }
        metrics.length.set(Double(count))
        return position
    }

    /// The next attempt to place `orderId` is under way: if it is lost, look for it before placing again.
    func markPlacing(_ orderId: String, at time: Double) async throws {
        guard shared == nil else { return }  // the head's lease marked it
        try await store?.markPlacing(orderId, since: time)
        line.withLock { $0.markPlacing(orderId, at: time) }
    }

    /// The attempt booked nothing (no room): the next one need not look for it first.
    func clearPlacing(_ orderId: String) async throws {
        if let shared { return try await shared.release(orderId) }
        try await store?.markPlacing(orderId, since: nil)
        line.withLock { $0.clearPlacing(orderId) }
    }

    /// The car's order was placed at `location`: it leaves the line with its booking recorded.
    /// False when it had already left (cancelled or expired meanwhile): the booking must be undone.
    func admit(_ entry: WaitingLine.Entry, at location: SessionLocation, now: Double) async throws -> Bool {
        if let shared {
            guard try await shared.end(entry.orderId, as: .admitted, bookedAt: location) else { return false }
            metrics.ended(.admitted, waited: now - entry.enqueuedAt, length: (try? await shared.waitingCount()) ?? 0)
            return true
        }
        if let store {
            guard try await store.end(entry.orderId, as: .admitted, bookedAt: location) else {
                line.withLock { _ = $0.end(entry.orderId, as: .cancelled) }
                return false
            }
        } else {
            guard line.withLock({ $0.place(of: entry.orderId) }).map({ if case .waiting = $0 { true } else { false } }) == true else {
                return false
            }
            try await directory.record(entry.orderId, at: location)
        }
        guard line.withLock({ $0.end(entry.orderId, as: .admitted) }) != nil else { return false }
        metrics.ended(.admitted, waited: now - entry.enqueuedAt, length: count)
        return true
    }

    /// The driver leaves the line; nil when the car was not waiting (admitted, expired, unknown).
    func cancel(_ orderId: String, now: Double) async throws -> WaitingLine.Entry? {
        if let shared {
            guard let entry = try await shared.cancel(orderId) else { return nil }
            metrics.ended(.cancelled, waited: now - entry.enqueuedAt, length: (try? await shared.waitingCount()) ?? 0)
            return entry
        }
        guard case .waiting(_, let entry) = line.withLock({ $0.place(of: orderId) }) else { return nil }
        if let store, try await !store.end(orderId, as: .cancelled, bookedAt: nil) { return nil }
        guard line.withLock({ $0.end(orderId, as: .cancelled) }) != nil else { return nil }
        metrics.ended(.cancelled, waited: now - entry.enqueuedAt, length: count)
        return entry
    }

    /// Cars whose wait ran out by `now` leave the line as expired; those that left.
    func expire(now: Double) async -> [WaitingLine.Entry] {
        if let shared {
            let expired = (try? await shared.expire(now: now)) ?? []
            let length = (try? await shared.waitingCount()) ?? 0
            for entry in expired { metrics.ended(.expired, waited: now - entry.enqueuedAt, length: length) }
            metrics.length.set(Double(length))
            return expired
        }
        let due = line.withLock { line in line.entries.filter { $0.waitUntil <= now } }
        var expired: [WaitingLine.Entry] = []
        for entry in due {
            if let store, (try? await store.end(entry.orderId, as: .expired, bookedAt: nil)) != true { continue }
            if line.withLock({ $0.end(entry.orderId, as: .expired) }) != nil {
                metrics.ended(.expired, waited: now - entry.enqueuedAt, length: count)
                expired.append(entry)
            }
        }
        return expired
    }
}

import Synchronization

/// Bookings waiting for a charger to accept or refuse their reservation. An answer may come
/// before its booking starts waiting; it is kept until then.
final class ReservationAnswers: Sendable {
    private enum Entry {
        case waiting(CheckedContinuation<Bool, Never>)
        case answered(Bool)
    }

    private let entries = Mutex<[Int: Entry]>([:])

    func resolve(_ reservationId: Int, accepted: Bool) {
        let waiter: CheckedContinuation<Bool, Never>? = entries.withLock { entries in
            switch entries[reservationId] {
            case .waiting(let continuation):
                entries[reservationId] = nil
                return continuation
            case .answered:
                return nil
            case nil:
                entries[reservationId] = .answered(accepted)
                return nil
            }
        }
        waiter?.resume(returning: accepted)
    }

    /// The charger's answer, or false after `timeout`.
    func wait(for reservationId: Int, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let early: Bool? = self.entries.withLock { entries in
                        if case .answered(let accepted) = entries[reservationId] {
                            entries[reservationId] = nil
                            return accepted
                        }
                        entries[reservationId] = .waiting(continuation)
                        return nil
                    }
                    if let early { continuation.resume(returning: early) }
                }
            }
            group.addTask {
                // No answer in time counts as a refusal (and wakes the waiter with it).
                guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
                self.resolve(reservationId, accepted: false)
                return nil
            }
            var answer = false
            for await result in group {
                if let result {
                    answer = result
                    group.cancelAll()
                }
            }
            return answer
        }
    }
}

import Synchronization

/// A first-come, first-served lock over one SQLite connection that lets transactions queued
/// behind each other share one COMMIT (group commit). Whoever holds it runs alone. A holder that
/// has run its transaction's statements while another transaction waits leaves the database
/// transaction open, passes the lock on and waits for the group's COMMIT, so nobody returns
/// before its changes are in the file. The last of a group (nobody waiting, something other than
/// a transaction next, or the group full) commits and tells the others how it went.
final class CommitGroupLock: Sendable {
    enum Purpose: Sendable {
        /// A transaction that may join an open group.
        case transaction
        /// Anything else (reads, pragmas, closing): runs only outside a group.
        case alone
    }

    /// What a holder that has run its transaction's statements does next.
    enum Handoff: Sendable {
        /// Another transaction took the lock over and a later one committed the group: how it went.
        case joined(Result<Void, GroupFailure>)
        /// Commit the group, this transaction included, then call `finishGroup`.
        case commit
    }

    /// Why a group's COMMIT did not keep its transactions.
    struct GroupFailure: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    private struct Waiter {
        var purpose: Purpose
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var held = false
        var waiters: [Waiter] = []
        /// A database transaction is open, holding the statements of the group so far.
        var groupOpen = false
        var groupSize = 0
        /// Holders that passed the lock on and wait for the group's COMMIT.
        var members: [CheckedContinuation<Handoff, Never>] = []
    }

    /// Most transactions in one COMMIT: bounds how long the first of a group waits.
    let groupLimit: Int
    private let state = Mutex(State())

    init(groupLimit: Int = 64) {
        self.groupLimit = groupLimit
    }

    /// Waits for the lock.
    func acquire(_ purpose: Purpose) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                if state.held {
                    state.waiters.append(Waiter(purpose: purpose, continuation: continuation))
                    return false
                }
                state.held = true
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Whether the holder finds the group's database transaction already open (it joins it)
    /// rather than having to BEGIN one.
    var isGroupOpen: Bool { state.withLock { $0.groupOpen } }

    /// The holder began a database transaction.
    func groupOpened() {
        state.withLock { $0.groupOpen = true }
    }

    /// The holder has run its transaction's statements: it passes the lock to a waiting
    /// transaction and waits for the group's COMMIT, or is told to commit the group itself.
    func finishedTransaction() async -> Handoff {
        await withCheckedContinuation { (continuation: CheckedContinuation<Handoff, Never>) in
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.groupSize += 1
                guard state.groupSize < groupLimit, let first = state.waiters.first, first.purpose == .transaction else { return nil }
                state.waiters.removeFirst()
                state.members.append(continuation)
                return first.continuation
            }
            if let next {
                next.resume()  // the lock passes straight on: `held` stays true, the group stays open
            } else {
                continuation.resume(returning: .commit)
            }
        }
    }

    /// The holder committed (or rolled back) the group: tells its members and releases the lock.
    func finishGroup(_ outcome: Result<Void, GroupFailure>) {
        let members = state.withLock { state in
            let members = state.members
            state.members = []
            state.groupOpen = false
            state.groupSize = 0
            return members
        }
        for member in members { member.resume(returning: .joined(outcome)) }
        release()
    }

    /// Releases the lock (outside a group).
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()  // the lock passes straight to the next waiter: `held` stays true
    }
}

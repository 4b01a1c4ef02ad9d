/// A database call that did not finish in time: the database is down, unreachable or saturated.
public struct DatabaseDeadlineExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no answer from the database within \(limit)" }
}

/// Runs `body`, cancelling it after `limit`: no request waits on a database longer than that.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DatabaseDeadlineExceeded(limit: limit) }
        return value
    }
}

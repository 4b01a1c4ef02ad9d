import Synchronization

/// Where a charge request's session lives: the id of its substation (never its address, which
/// changes when the substation moves), so GET and DELETE reach it through the balancer.
public struct SessionLocation: Codable, Equatable, Sendable {
    public var substationId: String

    public init(substationId: String) {
        self.substationId = substationId
    }
}

/// Remembers every charge request the gateway answered 201 for. `record` returns once the entry
/// is kept: only then may the gateway answer 201.
public protocol SessionDirectory: Sendable {
    func record(_ id: String, at location: SessionLocation) async throws
    func location(of id: String) async throws -> SessionLocation?
}

/// A directory in memory, lost when the gateway stops: for tests and `--data-dir none`.
public final class InMemorySessionDirectory: SessionDirectory {
    private let entries = Mutex<[String: SessionLocation]>([:])

    public init() {}

    public func record(_ id: String, at location: SessionLocation) {
        entries.withLock { $0[id] = location }
    }

    public func location(of id: String) -> SessionLocation? {
        entries.withLock { $0[id] }
    }
}

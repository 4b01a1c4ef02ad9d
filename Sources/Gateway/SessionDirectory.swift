import Synchronization

/// Where a charge request's session lives, so GET and DELETE reach the right substation.
public struct SessionLocation: Codable, Equatable, Sendable {
    public var substationId: String
    public var substationURL: String

    public init(substationId: String, substationURL: String) {
        self.substationId = substationId
        self.substationURL = substationURL
    }
}

/// Remembers every charge request the gateway answered 201 for.
public protocol SessionDirectory: Sendable {
    func record(_ id: String, at location: SessionLocation)
    func location(of id: String) -> SessionLocation?
}

/// A directory in memory: lost when the gateway stops.
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

import Synchronization

/// Spreads requests over several balancers: each request starts at the next balancer in turn
/// and, if that one refuses the connection, goes on to the others.
final class BalancerRotation: Sendable {
    let urls: [String]
    private let next = Atomic<Int>(0)

    init(urls: [String]) {
        precondition(!urls.isEmpty, "the gateway needs a balancer")
        self.urls = urls
    }

    /// Every balancer once, starting with the one whose turn it is.
    func order() -> [String] {
        guard urls.count > 1 else { return urls }
        let start = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return (0..<urls.count).map { urls[(start &+ $0) % urls.count] }
    }
}

import NIOConcurrencyHelpers

/// One path at a few base URLs, split into endpoint and target once (`HTTPEndpoint.split`): a
/// service that sends every request to the same path of the same few services (the balancer's
/// orders to `/sessions`, the gateway's to `/route`) keeps them here. Joining and splitting the
/// URL (and making its `Host` header) for every request showed in both profiles.
public final class SplitAddresses: Sendable {
    public typealias Address = (endpoint: HTTPEndpoint, target: String)

    public let path: String
    /// Split addresses by base URL; nil where the URL is not plain `http://` (send it by URL).
    private let known = NIOLockedValueBox<[String: Address?]>([:])
    /// Services come and go by discovery: this many base URLs at most are kept.
    static let limit = 512

    public init(path: String) {
        self.path = path
    }

    /// How many base URLs are kept now (for tests).
    var keptCount: Int { known.withLockedValue { $0.count } }

    /// `base` + `path`, split; nil when it is not a plain `http://` URL.
    public func address(at base: String) -> Address? {
        if let known = known.withLockedValue({ $0[base] }) { return known }
        let split = HTTPEndpoint.split(base + path)
        known.withLockedValue { known in
            if known.count >= Self.limit { known.removeAll() }
            known[base] = .some(split)
        }
        return split
    }
}

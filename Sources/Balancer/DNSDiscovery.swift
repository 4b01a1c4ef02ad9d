import AsyncAlgorithms
import Foundation
import GridCore
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// `dns://NAME:PORT`: every address behind NAME is a substation listening on PORT.
public struct DiscoveryTarget: Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var port: Int

    public init(name: String, port: Int) {
        self.name = name
        self.port = port
    }

    /// Parses `dns://NAME:PORT`; nil when it is not of that form.
    public init?(_ text: String) {
        guard text.hasPrefix("dns://") else { return nil }
        let rest = text.dropFirst("dns://".count)
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        let name = String(rest[..<colon])
        guard !name.isEmpty else { return nil }
        self.init(name: name, port: port)
    }

    public var description: String { "dns://\(name):\(port)" }

    func url(for address: String) -> String {
        address.contains(":") ? "http://[\(address)]:\(port)" : "http://\(address):\(port)"
    }
}

/// Resolves a name to addresses; a protocol so tests can stand in for DNS.
public protocol AddressResolver: Sendable {
    func addresses(of name: String) async throws -> [String]
}

/// The system resolver (getaddrinfo: /etc/hosts, then DNS), off the async threads since it blocks.
public struct SystemResolver: AddressResolver {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init() {}

    public func addresses(of name: String) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.resolve(name) })
            }
        }
    }

    static func resolve(_ name: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0 else { throw Failure(description: "cannot resolve \(name): \(String(cString: gai_strerror(status)))") }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
                == 0
            {
                let address = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(address) { addresses.append(address) }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}

/// Re-resolves every discovery target every interval and makes the load view follow: new
/// addresses become substations, vanished ones drain. A failed lookup changes nothing.
struct DiscoveryService: Service {
    let targets: [DiscoveryTarget]
    let resolver: any AddressResolver
    let state: BalancerState
    let interval: Double
    let logger: Logger

    func run() async throws {
        await discoverOnce()
        let period = Duration.milliseconds(Int(interval * 1000))
        for await _ in AsyncTimerSequence(interval: period, clock: .continuous).cancelOnGracefulShutdown() {
            await discoverOnce()
        }
    }

    func discoverOnce() async {
        var urls = Set<String>()
        for target in targets {
            do {
                for address in try await resolver.addresses(of: target.name) { urls.insert(target.url(for: address)) }
            } catch {
                logger.warning(
                    "discovery failed; keeping the substations known so far", metadata: ["target": "\(target)", "error": "\(error)"])
                return
            }
        }
        let change = state.withView { $0.reconcileDiscovered(urls) }
        for url in change.added { logger.info("substation discovered", metadata: ["url": "\(url)"]) }
        for url in change.retired { logger.info("substation gone from discovery: draining", metadata: ["url": "\(url)"]) }
    }
}

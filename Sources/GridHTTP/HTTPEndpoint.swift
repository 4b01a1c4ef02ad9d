/// Where a plain `http://` URL points: the host and port a keep-alive link connects to, and the
/// request target sent on it.
public struct HTTPEndpoint: Hashable, Sendable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Splits `http://host[:port][/path][?query]` into its endpoint and request target (`/` when
    /// the URL has no path). Nil for any other scheme, user info, a fragment, a space or control
    /// character, or a malformed authority: those go through the general HTTP client. Works on
    /// the UTF-8 bytes: it runs for every request between services.
    private static let scheme = Array("http://".utf8)

    public static func split(_ url: String) -> (endpoint: HTTPEndpoint, target: String)? {
        var url = url
        return url.withUTF8 { bytes -> (HTTPEndpoint, String)? in
            let schemeLength = scheme.count
            guard bytes.count > schemeLength, bytes.starts(with: scheme) else { return nil }
            var end = schemeLength
            while end < bytes.count, bytes[end] != UInt8(ascii: "/"), bytes[end] != UInt8(ascii: "?") { end += 1 }
            let authority = bytes[schemeLength..<end]
            let target = bytes[end...]
            guard !authority.isEmpty, !authority.contains(UInt8(ascii: "@")),
                !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "#") }),
                let endpoint = parseAuthority(authority)
            else { return nil }
            let path = String(decoding: UnsafeBufferPointer(rebasing: target), as: UTF8.self)
            return (endpoint, target.isEmpty ? "/" : target.first == UInt8(ascii: "?") ? "/" + path : path)
        }
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`; port 80 when none is given.
    private static func parseAuthority(_ authority: Slice<UnsafeBufferPointer<UInt8>>) -> HTTPEndpoint? {
        let hostRange: Range<Int>
        var portStart: Int?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            hostRange = (authority.startIndex + 1)..<close
            if close + 1 < authority.endIndex {
                guard authority[close + 1] == UInt8(ascii: ":") else { return nil }
                portStart = close + 2
            }
        } else {
            let colon = authority.firstIndex(of: UInt8(ascii: ":"))
            hostRange = authority.startIndex..<(colon ?? authority.endIndex)
            portStart = colon.map { $0 + 1 }
            if let colon, authority[(colon + 1)...].contains(UInt8(ascii: ":")) { return nil }
        }
        guard !hostRange.isEmpty else { return nil }
        var port = 80
        if let portStart {
            let digits = authority[portStart...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return nil }
            port = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard (1...65535).contains(port) else { return nil }
        }
        let host = String(decoding: UnsafeBufferPointer(rebasing: authority.base[hostRange]), as: UTF8.self)
        return HTTPEndpoint(host: host, port: port)
    }

    /// The value of the `Host` header for this endpoint.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }
}

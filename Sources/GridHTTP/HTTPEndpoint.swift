/// Where a plain `http://` URL points: the host and port a keep-alive link connects to, and the
/// request target sent on it.
public struct HTTPEndpoint: Hashable, Sendable {
    public let host: String
    public let port: Int
    /// The value of the `Host` header for this endpoint, made once (every request sends it).
    let hostHeader: String
    /// Host and port hashed once: the link pool looks endpoints up several times per request.
    private let hashOfHostAndPort: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
        var hasher = Hasher()
        hasher.combine(host)
        hasher.combine(port)
        self.hashOfHostAndPort = hasher.finalize()
        // On the bytes: `String.contains(String)` is Foundation's search, which showed in the profile.
        let name = host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        self.hostHeader = port == 80 ? name : "\(name):\(port)"
    }

    // Host and port say which endpoint it is; the Host header and the hash follow from them.
    public static func == (left: HTTPEndpoint, right: HTTPEndpoint) -> Bool {
        left.port == right.port && left.host == right.host
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(hashOfHostAndPort)
    }

    /// Splits `http://host[:port][/path][?query]` into its endpoint and request target (`/` when
    /// the URL has no path). Nil for any other scheme, user info, a target with characters that
    /// need escaping, or a malformed authority: those go through the general HTTP client. Works
    /// on the UTF-8 bytes: it runs for every request between services.
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
            guard !authority.isEmpty, !authority.contains(UInt8(ascii: "@")), target.allSatisfy(isTargetByte),
                let endpoint = parseAuthority(authority)
            else { return nil }
            let path = String(decoding: UnsafeBufferPointer(rebasing: target), as: UTF8.self)
            return (endpoint, target.isEmpty ? "/" : target.first == UInt8(ascii: "?") ? "/" + path : path)
        }
    }

    /// What RFC 3986 allows in a path and query unescaped: unreserved characters, sub-delimiters,
    /// `:`, `@`, `/`, `?` and `%` (escapes). Anything else (spaces, non-ASCII, `#`) is left to the
    /// general client, which escapes it.
    private static func isTargetByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            true
        case UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "%"): true
        default: false
        }
    }

    /// A host name or IPv4 address: letters, digits, `-`, `.` and `_`.
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"): true
        default: false
        }
    }

    /// An IPv6 address between brackets: hex digits, `:` and `.` (no zone ids).
    private static func isIPv6Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: ":"), UInt8(ascii: "."): true
        default: false
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
        let hostBytes = authority.base[hostRange]
        let bracketed = authority.first == UInt8(ascii: "[")
        guard !hostBytes.isEmpty, hostBytes.allSatisfy(bracketed ? isIPv6Byte : isHostByte) else { return nil }
        var port = 80
        if let portStart {
            let digits = authority[portStart...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return nil }
            port = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard (1...65535).contains(port) else { return nil }
        }
        let host = String(decoding: UnsafeBufferPointer(rebasing: hostBytes), as: UTF8.self)
        return HTTPEndpoint(host: host, port: port)
    }
}

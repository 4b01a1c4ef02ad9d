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
    /// the URL has no path). Nil for any other scheme, user info, a fragment or a malformed
    /// authority: those go through the general HTTP client.
    public static func split(_ url: String) -> (endpoint: HTTPEndpoint, target: String)? {
        let scheme = "http://"
        guard url.utf8.count > scheme.utf8.count, url.utf8.starts(with: scheme.utf8) else { return nil }
        let rest = url.utf8.dropFirst(scheme.utf8.count)
        let slash = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? rest.endIndex
        let authority = Substring(rest[rest.startIndex..<slash])
        var target = String(Substring(rest[slash...]))
        if target.isEmpty { target = "/" } else if target.first == "?" { target = "/" + target }
        guard !authority.isEmpty, !authority.contains("@"), !target.contains("#"),
            !target.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else { return nil }
        guard let endpoint = parseAuthority(authority) else { return nil }
        return (endpoint, target)
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`; port 80 when none is given.
    private static func parseAuthority(_ authority: Substring) -> HTTPEndpoint? {
        var host: Substring
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty, !host.contains(":") || authority.first == "[" else { return nil }
        var port = 80
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else { return nil }
            port = parsed
        }
        return HTTPEndpoint(host: String(host), port: port)
    }

    /// The value of the `Host` header for this endpoint.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }
}

import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import OCPPCore

extension ChargePointHub {
    /// Decides a WebSocket upgrade on the event loop, before any charge point state is touched:
    /// a refused handshake (bad id, no or wrong credentials, no OCPP subprotocol) is answered
    /// with its HTTP status and the connection closed.
    func shouldUpgrade(
        _ request: HTTPRequest, channel: any Channel, logger: Logger
    ) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let path = request.path.map { String($0.prefix { $0 != "?" }) } ?? ""
        let decision = OCPPHandshake.decide(
            path: path, authorization: request.headerFields[.authorization],
            offeredProtocols: request.headerFields[values: .secWebSocketProtocol].joined(separator: ","),
            peerIsLoopback: Self.isLoopback(channel.remoteAddress), credentials: configuration.credentials)
        switch decision {
        case .accept(let id, let version):
            return .upgrade([.secWebSocketProtocol: version.rawValue]) { inbound, outbound, _ in
                await self.serve(id, version: version, inbound: inbound, outbound: outbound)
            }
        case .refuse(let status, let reason):
            self.logger.notice(
                "refused a charge point's handshake", metadata: ["status": "\(status)", "reason": "\(reason)", "path": "\(path)"])
            Self.answer(channel, status: status, reason: reason)
            return .dontUpgrade
        }
    }

    /// Writes the refusal as an HTTP answer of its own; the server's plain 400 that follows a
    /// declined upgrade arrives after it, on a connection the client was told to close.
    private static func answer(_ channel: any Channel, status: Int, reason: String) {
        let problem = #"{"type":"about:blank","title":"Charge point refused","status":\#(status),"detail":"\#(reason)"}"#
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/problem+json")
        headers.add(name: "Content-Length", value: String(problem.utf8.count))
        headers.add(name: "Connection", value: "close")
        if status == 401 { headers.add(name: "WWW-Authenticate", value: #"Basic realm="smartgrid OCPP", charset="UTF-8""#) }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: problem))), promise: nil)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}

import GridCore

/// Whether a WebSocket upgrade at `/ocpp/{chargePointId}` may become a charge point's link.
public enum OCPPHandshake: Equatable, Sendable {
    case accept(chargePointId: String, version: OCPPVersion)
    /// Refused before the upgrade, with this HTTP status.
    case refuse(status: Int, reason: String)

    public static let pathPrefix = "/ocpp/"

    /// - Parameters:
    ///   - path: the request's path (no query).
    ///   - credentials: with none, only loopback peers are let in.
    public static func decide(
        path: String, authorization: String?, offeredProtocols: String?, peerIsLoopback: Bool, credentials: ChargerCredentials?
    ) -> OCPPHandshake {
        guard path.hasPrefix(pathPrefix) else { return .refuse(status: 404, reason: "charge points connect at /ocpp/{chargePointId}") }
        let chargePointId = String(path.dropFirst(pathPrefix.count))
        guard ChargeRequest.isValidIdentifier(chargePointId) else {
            return .refuse(status: 400, reason: "a charge point id is 1-64 characters of A-Za-z0-9._-")
        }
        if let credentials {
            guard credentials.admits(authorization, chargePointId: chargePointId) else {
                return .refuse(status: 401, reason: "charge point \(chargePointId) did not prove its identity (HTTP Basic auth)")
            }
        } else if !peerIsLoopback {
            return .refuse(status: 403, reason: "without a credentials file only charge points on this machine may connect")
        }
        guard let version = OCPPVersion.negotiate(offeredProtocols) else {
            return .refuse(status: 400, reason: "no subprotocol spoken here (ocpp1.6, ocpp2.0.1) was offered")
        }
        return .accept(chargePointId: chargePointId, version: version)
    }
}

import Foundation

/// The OCPP versions a substation speaks, named by their WebSocket subprotocol.
public enum OCPPVersion: String, CaseIterable, Sendable {
    case v16 = "ocpp1.6"
    case v201 = "ocpp2.0.1"

    /// The subprotocol to answer with: the first one the charge point offers that is spoken here.
    /// - Parameter offered: the `Sec-WebSocket-Protocol` header, a comma-separated list.
    public static func negotiate(_ offered: String?) -> OCPPVersion? {
        guard let offered else { return nil }
        for name in offered.split(separator: ",") {
            if let version = OCPPVersion(rawValue: name.trimmingCharacters(in: .whitespaces)) { return version }
        }
        return nil
    }
}

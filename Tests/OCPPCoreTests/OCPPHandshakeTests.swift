import Foundation
import Testing

@testable import OCPPCore

struct OCPPHandshakeTests {
    let credentials = ChargerCredentials(passwords: ["CP1": "secret-one", "CP2": "secret-two"])

    func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func acceptsAChargerWithItsOwnPasswordAndPicksItsSubprotocol() {
        #expect(
            OCPPHandshake.decide(
                path: "/ocpp/CP1", authorization: basic("CP1", "secret-one"), offeredProtocols: "ocpp2.0.1, ocpp1.6", peerIsLoopback: false,
                credentials: credentials) == .accept(chargePointId: "CP1", version: .v201))
        #expect(
            OCPPHandshake.decide(
                path: "/ocpp/CP2", authorization: basic("CP2", "secret-two"), offeredProtocols: "ocpp1.5,ocpp1.6", peerIsLoopback: false,
                credentials: credentials) == .accept(chargePointId: "CP2", version: .v16))
    }

    @Test(arguments: [
        ("CP1", "wrong"), ("CP2", "secret-one"), ("CP1", ""), ("cp1", "secret-one"),
    ])
    func refusesWrongCredentialsWith401(user: String, password: String) {
        let decision = OCPPHandshake.decide(
            path: "/ocpp/CP1", authorization: basic(user, password), offeredProtocols: "ocpp1.6", peerIsLoopback: true,
            credentials: credentials)
        guard case .refuse(401, _) = decision else { return #expect(Bool(false), "\(decision)") }
    }

    @Test func refusesMissingOrMalformedAuthorizationWith401() {
        for header in [nil, "Bearer abc", "Basic !!!", "Basic " + Data("CP1".utf8).base64EncodedString()] {
            let decision = OCPPHandshake.decide(
                path: "/ocpp/CP1", authorization: header, offeredProtocols: "ocpp1.6", peerIsLoopback: true, credentials: credentials)
            guard case .refuse(401, _) = decision else {
                Issue.record("\(String(describing: header)): \(decision)")
                continue
            }
        }
    }

    @Test func refusesBadIdsAndUnknownSubprotocolsWith400() {
        for path in ["/ocpp/", "/ocpp/bad%20id", "/ocpp/a/b", "/ocpp/" + String(repeating: "x", count: 65)] {
            let decision = OCPPHandshake.decide(
                path: path, authorization: nil, offeredProtocols: "ocpp1.6", peerIsLoopback: true, credentials: nil)
            guard case .refuse(400, _) = decision else {
                Issue.record("\(path): \(decision)")
                continue
            }
        }
        for offered in [nil, "", "ocpp2.0", "ocpp1.6x"] {
            let decision = OCPPHandshake.decide(
                path: "/ocpp/CP1", authorization: nil, offeredProtocols: offered, peerIsLoopback: true, credentials: nil)
            guard case .refuse(400, _) = decision else {
                Issue.record("\(String(describing: offered)): \(decision)")
                continue
            }
        }
        guard
            case .refuse(404, _) = OCPPHandshake.decide(
                path: "/other", authorization: nil, offeredProtocols: "ocpp1.6", peerIsLoopback: true, credentials: nil)
        else { return #expect(Bool(false)) }
    }

    @Test func withoutCredentialsOnlyLoopbackIsLetIn() {
        #expect(
            OCPPHandshake.decide(path: "/ocpp/CP1", authorization: nil, offeredProtocols: "ocpp1.6", peerIsLoopback: true, credentials: nil)
                == .accept(chargePointId: "CP1", version: .v16))
        guard
            case .refuse(403, _) = OCPPHandshake.decide(
                path: "/ocpp/CP1", authorization: nil, offeredProtocols: "ocpp1.6", peerIsLoopback: false, credentials: nil)
        else { return #expect(Bool(false)) }
    }

    @Test func readsACredentialsFile() throws {
        let file = try ChargerCredentials(fileText: "# chargers\nCP1:secret-one\n\n  CP2:pass:with:colons  \n")
        #expect(file.count == 2)
        #expect(file.admits(basic("CP2", "pass:with:colons"), chargePointId: "CP2"))
        #expect(throws: ChargerCredentials.Malformed.self) { try ChargerCredentials(fileText: "no colon here") }
    }
}

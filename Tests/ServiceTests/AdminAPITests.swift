import Balancer
import Foundation
import GridCore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The balancer's admin API: a bearer token, or nothing.
@Suite struct AdminAPITests {
    static func app(token: String?) -> some ApplicationProtocol {
        let substations = FakeSubstations(loads: ["http://fake/S1": 0.2])
        return buildBalancerApplication(
            BalancerConfiguration(substationURLs: ["http://fake/S1"], adminToken: token, seed: 1), client: substations)
    }

    static func setPolicy(_ client: some TestClientProtocol, authorization: String?) async throws -> (Int, String?) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(
            uri: "/admin/policy", method: .put, headers: headers, body: ByteBuffer(string: #"{"policy":"p2c"}"#)
        ) {
            let json = try? JSONSerialization.jsonObject(with: Data($0.body.readableBytesView)) as? [String: Any]
            return (Int($0.status.code), json?["policy"] as? String)
        }
    }

    @Test func onlyTheRightTokenChangesAnything() async throws {
        try await Self.app(token: "s3cret").test(.router) { client in
            let answer1 = try await Self.setPolicy(client, authorization: nil)
            #expect(answer1.0 == 401)
            let answer2 = try await Self.setPolicy(client, authorization: "Bearer wrong")
            #expect(answer2.0 == 401)
            let answer3 = try await Self.setPolicy(client, authorization: "Bearer s3cre")
            #expect(answer3.0 == 401, "a prefix of the token is not the token")
            let answer4 = try await Self.setPolicy(client, authorization: "s3cret")
            #expect(answer4.0 == 401, "the Bearer scheme is required")
            let accepted = try await Self.setPolicy(client, authorization: "Bearer s3cret")
            #expect(accepted.0 == 200)
            #expect(accepted.1 == "p2c")
        }
    }

    @Test func withoutATokenTheAdminAPIIsOff() async throws {
        try await Self.app(token: nil).test(.router) { client in
            let answer5 = try await Self.setPolicy(client, authorization: "Bearer anything")
            #expect(answer5.0 == 401)
            let answer6 = try await Self.setPolicy(client, authorization: "Bearer ")
            #expect(answer6.0 == 401)
        }
    }
}

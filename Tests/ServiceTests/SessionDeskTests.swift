import Foundation
import GridCore
import GridHTTP
import NIOCore
import NIOHTTP1
import Testing

@testable import Balancer

/// The balancer finding an order whose fate is unknown: it asks every substation, and says
/// "nowhere" only when every one of them answered.
@Suite struct SessionDeskTests {
    /// Substations that answer `GET /sessions/{id}` from a table: a session's status, nil for 404,
    /// or unreachable.
    final class SessionTable: SubstationClient {
        enum Entry: Sendable {
            case holds(String)
            case unknown
            case unreachable
        }

        let entries: [String: Entry]

        init(_ entries: [String: Entry]) {
            self.entries = entries
        }

        func session(_ method: HTTPMethod, id: String, at url: String, timeout: Duration) async throws(UpstreamFailure) -> UpstreamResponse
        {
            switch entries[url] ?? .unknown {
            case .holds(let status):
                let body =
                    #"{"id":"\#(id)","vehicleId":"EV-1","substationId":"\#(url.suffix(2))","status":"\#(status)","energyRequestedKWh":1,"energyDeliveredKWh":0,"powerKW":1,"createdAt":"2026-01-01T00:00:00Z"}"#
                return UpstreamResponse(status: 200, body: ByteBuffer(string: body))
            case .unknown:
                return UpstreamResponse(status: 404, body: ByteBuffer(string: "{}"))
            case .unreachable:
                throw .refused
            }
        }

        func scrapeMetrics(_ url: String, timeout: Duration) async throws(UpstreamFailure) -> String { throw .refused }
        nonisolated(nonsending) func order(_ order: SessionOrder, at url: String, timeout: Duration) async throws(UpstreamFailure)
            -> UpstreamResponse
        { throw .refused }
        func cancel(sessionId: String, at url: String, timeout: Duration) async -> Bool { false }
    }

    static let urls = ["http://fake/S1", "http://fake/S2", "http://fake/S3"]

    static func desk(_ entries: [String: SessionTable.Entry]) -> SessionDesk {
        SessionDesk(
            state: BalancerState(urls: urls, policy: .leastLoad, seed: 1), client: SessionTable(entries), timeout: .seconds(1))
    }

    @Test func theSubstationThatHoldsItAnswers() async throws {
        let answer = await Self.desk(["http://fake/S2": .holds("cancelled"), "http://fake/S3": .holds("charging")]).anywhere(
            .GET, id: "o-1")
        guard case .substation(let found) = answer else {
            Issue.record("not found: \(answer)")
            return
        }
        #expect(try WireJSON.decoder.decode(SessionResource.self, from: found.data).status == .charging, "the one not undone")
    }

    @Test func nowhereOnlyWhenEveryoneAnswered() async {
        guard case .unknownEverywhere = await Self.desk([:]).anywhere(.GET, id: "o-2") else {
            Issue.record("every substation answered 404: nowhere")
            return
        }
        guard case .unreachable(let silent) = await Self.desk(["http://fake/S3": .unreachable]).anywhere(.GET, id: "o-3") else {
            Issue.record("a substation that could not be asked may hold it")
            return
        }
        #expect(silent == ["http://fake/S3"])
    }
}

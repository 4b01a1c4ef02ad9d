import NIOCore
import NIOHTTP1
import Testing

@testable import GridHTTP

/// `FastLane`'s decisions without a connection: which requests it takes, what the router gets,
/// what waits behind an answer, when reading pauses.
@Suite struct FastLaneStateTests {
    static let bodyLimit = 16

    /// A state whose lane takes `POST /route`, in a box so that `#expect` may call its mutating methods.
    final class Lane {
        var state = FastLaneState(bodyLimit: FastLaneStateTests.bodyLimit) { $0.method == .POST && $0.uri == "/route" }

        func received(_ part: HTTPServerRequestPart) -> FastLaneState.Action? { state.received(part) }
        func caught(_ error: any Error) -> FastLaneState.Action? { state.caught(error) }
        func event(_ event: Any, closesConnection: Bool) -> FastLaneState.Action? { state.event(event, closesConnection: closesConnection) }
        func readRequested(writable: Bool) -> Bool { state.readRequested(writable: writable) }
        func writabilityChanged(writable: Bool) -> Bool { state.writabilityChanged(writable: writable) }
        func routerAnswerEnded() { state.routerAnswerEnded() }
        func answerWritten(closing: Bool, writable: Bool) -> [FastLaneState.Action] {
            state.answerWritten(closing: closing, writable: writable)
        }
    }

    static func head(_ method: HTTPMethod, _ uri: String, _ headers: HTTPHeaders = [:]) -> HTTPServerRequestPart {
        .head(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers))
    }

    static func body(_ text: String) -> HTTPServerRequestPart { .body(ByteBuffer(string: text)) }

    /// Actions as short words, to compare.
    static func names(_ actions: [FastLaneState.Action?]) -> [String] {
        actions.compactMap { $0 }.map { action in
            switch action {
            case .forward(.head(let head)): "forward \(head.method) \(head.uri)"
            case .forward(.body(let body)): "forward body \(String(buffer: body))"
            case .forward(.end): "forward end"
            case .answer(let head, let body): "answer \(head.uri) \(String(buffer: body))"
            case .refuseOverLimit: "413"
            case .forwardError: "forward error"
            case .forwardEvent(let event): "forward \(event is ChannelShouldQuiesceEvent ? "quiesce" : "event")"
            case .forwardReadComplete: "read complete"
            case .read: "read"
            }
        }
    }

    struct DecoderError: Error {}

    @Test func theLaneTakesItsRouteWholeAndTheRouterTheRest() {
        let state = Lane()
        let actions = [
            state.received(Self.head(.POST, "/route")), state.received(Self.body("{\"a\"")), state.received(Self.body(":1}")),
            state.received(.end(nil)),
        ]
        #expect(Self.names(actions) == [#"answer /route {"a":1}"#])
        #expect(Self.names(state.answerWritten(closing: false, writable: true)) == [])
        let other = [state.received(Self.head(.GET, "/health")), state.received(.end(nil))]
        #expect(Self.names(other) == ["forward GET /health", "forward end"])
    }

    @Test func behindARequestTheRouterHoldsTheLaneTakesNothing() {
        let state = Lane()
        _ = state.received(Self.head(.GET, "/slow"))
        _ = state.received(.end(nil))
        let behind = [state.received(Self.head(.POST, "/route")), state.received(Self.body("{}")), state.received(.end(nil))]
        #expect(Self.names(behind) == ["forward POST /route", "forward body {}", "forward end"])
        state.routerAnswerEnded()
        state.routerAnswerEnded()
        let after = [state.received(Self.head(.POST, "/route")), state.received(.end(nil))]
        #expect(Self.names(after) == ["answer /route "])
    }

    @Test func afterARequestTheRouterClosesOnTheLaneTakesNothing() {
        let state = Lane()
        _ = state.received(Self.head(.GET, "/health", ["Connection": "close"]))
        _ = state.received(.end(nil))
        state.routerAnswerEnded()
        #expect(Self.names([state.received(Self.head(.POST, "/route"))]) == ["forward POST /route"])
    }

    @Test func whatArrivesDuringAnAnswerWaitsAndReadingPausesOnlyThen() {
        let state = Lane()
        _ = state.received(Self.head(.POST, "/route"))
        _ = state.received(.end(nil))
        #expect(state.readRequested(writable: true), "nothing waits yet: reading goes on")
        _ = state.received(Self.head(.GET, "/health"))
        _ = state.received(.end(nil))
        #expect(state.caught(DecoderError()) == nil)
        #expect(state.event(ChannelShouldQuiesceEvent(), closesConnection: true) == nil)
        #expect(!state.readRequested(writable: true), "a request waits: reading pauses")
        let resumed = state.answerWritten(closing: false, writable: true)
        #expect(Self.names(resumed) == ["forward GET /health", "forward end", "forward error", "forward quiesce", "read complete", "read"])
    }

    @Test func aWaitingLaneRequestIsAnsweredInTurnAndWhatFollowsItWaitsAgain() {
        let state = Lane()
        _ = state.received(Self.head(.POST, "/route"))
        _ = state.received(.end(nil))
        for part in [Self.head(.POST, "/route"), Self.body("2"), .end(nil), Self.head(.GET, "/health"), .end(nil)] {
            #expect(state.received(part) == nil)
        }
        #expect(Self.names(state.answerWritten(closing: false, writable: true)) == ["answer /route 2", "read complete"])
        #expect(!state.readRequested(writable: true), "the health check still waits")
        #expect(
            Self.names(state.answerWritten(closing: false, writable: true)) == [
                "forward GET /health", "forward end", "read complete", "read",
            ])
    }

    @Test func shutdownWaitsForTheRequestBeingRead() {
        let state = Lane()
        _ = state.received(Self.head(.POST, "/route"))
        #expect(state.event(ChannelShouldQuiesceEvent(), closesConnection: true) == nil)
        #expect(Self.names([state.event("other", closesConnection: false)]) == ["forward event"])
        #expect(Self.names([state.received(.end(nil))]) == ["answer /route "])
        #expect(Self.names(state.answerWritten(closing: false, writable: true)) == ["forward quiesce"])
    }

    @Test func aBrokenRequestBeingReadGoesToTheRouter() {
        let state = Lane()
        _ = state.received(Self.head(.POST, "/route"))
        #expect(Self.names([state.caught(DecoderError())]) == ["forward error"])
        #expect(Self.names([state.received(Self.head(.GET, "/health"))]) == ["forward GET /health"])
    }

    @Test func aChunkedBodyPastTheLimitIsRefusedAndNothingMoreIsTaken() {
        let state = Lane()
        _ = state.received(Self.head(.POST, "/route"))
        #expect(state.received(Self.body(String(repeating: "x", count: Self.bodyLimit))) == nil)
        #expect(Self.names([state.received(Self.body("y"))]) == ["413"])
        #expect(state.received(.end(nil)) == nil)
        #expect(state.received(Self.head(.GET, "/health")) == nil)
    }

    @Test func aClosingAnswerEndsTheConversation() {
        let state = Lane()
        _ = state.received(Self.head(.POST, "/route"))
        _ = state.received(.end(nil))
        _ = state.received(Self.head(.GET, "/health"))
        #expect(state.answerWritten(closing: true, writable: true).isEmpty)
        #expect(state.received(.end(nil)) == nil)
    }

    @Test func readingPausesWhileAnswersCannotBeWritten() {
        let state = Lane()
        #expect(!state.readRequested(writable: false))
        #expect(!state.writabilityChanged(writable: false))
        #expect(state.writabilityChanged(writable: true), "the read asked for is made once answers can go out")
        #expect(!state.writabilityChanged(writable: true), "and only once")
    }
}

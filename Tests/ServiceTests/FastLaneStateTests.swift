import NIOCore
import NIOHTTP1
import Testing

@testable import GridHTTP

/// `FastLane`'s decisions without a connection: which requests it answers, which bytes the
/// router gets, what waits behind an answer, when reading pauses.
@Suite struct FastLaneStateTests {
    static let bodyLimit = 16

    /// A state whose lane takes `POST /route`, in a box so that `#expect` may call its mutating methods.
    final class Lane {
        var state = FastLaneState(bodyLimit: FastLaneStateTests.bodyLimit) { $0.head.method == .POST && $0.head.target == "/route" }

        func received(_ text: String) -> [FastLaneState.Action] { state.received(ByteBuffer(string: text)) }
        func caught(_ error: any Error) -> FastLaneState.Action? { state.caught(error) }
        func event(_ event: Any, closes: Bool, endOfInput: Bool = false) -> [FastLaneState.Action] {
            state.event(event, closesConnection: closes, isEndOfInput: endOfInput)
        }
        func readRequested(writable: Bool) -> Bool { state.readRequested(writable: writable) }
        func writabilityChanged(writable: Bool) -> Bool { state.writabilityChanged(writable: writable) }
        func routerAnswerEnded() { state.routerAnswerEnded() }
        func routerCloses() -> [FastLaneState.Action] { state.routerCloses() }
        func answerWritten(closing: Bool = false, writable: Bool = true) -> [FastLaneState.Action] {
            state.answerWritten(closing: closing, writable: writable)
        }
        var readsAlone: Bool { state.readsAlone }
    }

    static let route = "POST /route HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
    static let health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    static let chunked = "POST /route HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"

    /// Actions as short words, to compare.
    static func names(_ actions: [FastLaneState.Action?]) -> [String] {
        actions.compactMap { $0 }.map { action in
            switch action {
            case .forward(let bytes): "forward \(String(buffer: bytes))"
            case .answer(let request): "answer \(request.head.target) \(String(buffer: request.body))"
            case .forwardError: "forward error"
            case .forwardEvent(let event): "forward \(event is ChannelShouldQuiesceEvent ? "quiesce" : "event")"
            case .forwardReadComplete: "read complete"
            case .read: "read"
            }
        }
    }

    struct SocketError: Error {}

    @Test func theLaneAnswersItsRouteAndTheRouterGetsTheRestWhole() {
        let state = Lane()
        let split = Self.route.index(Self.route.startIndex, offsetBy: 60)
        #expect(state.received(String(Self.route[..<split])).isEmpty, "half a request waits for the rest")
        #expect(Self.names(state.received(String(Self.route[split...]))) == [#"answer /route {"a":1}"#])
        #expect(Self.names(state.answerWritten()) == [])
        #expect(Self.names(state.received(Self.health + "GET /a HT")) == ["forward \(Self.health)"], "one whole request at a time")
        #expect(Self.names(state.received("TP/1.1\r\n\r\n")) == ["forward GET /a HTTP/1.1\r\n\r\n"])
    }

    @Test func behindARequestTheRouterHoldsTheLaneTakesNothing() {
        let state = Lane()
        _ = state.received(Self.health)
        #expect(Self.names(state.received(Self.route)) == ["forward \(Self.route)"])
        state.routerAnswerEnded()
        state.routerAnswerEnded()
        #expect(Self.names(state.received(Self.route)) == [#"answer /route {"a":1}"#])
    }

    @Test func afterARequestTheRouterClosesOnTheLaneTakesNothing() {
        let state = Lane()
        let closing = "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"
        #expect(Self.names(state.received(closing + "POST")) == ["forward \(closing)", "forward POST"])
        state.routerAnswerEnded()
        #expect(Self.names(state.received(Self.route)) == ["forward \(Self.route)"])
        let http10 = Lane()
        _ = http10.received("GET /health HTTP/1.0\r\n\r\n")
        http10.routerAnswerEnded()
        #expect(Self.names(http10.received(Self.route)) == ["forward \(Self.route)"], "HTTP/1.0 closes unless asked to keep alive")
    }

    @Test func bytesTheLaneDoesNotFrameAndAllAfterThemAreTheRouters() {
        let state = Lane()
        #expect(Self.names(state.received(Self.chunked)) == ["forward \(Self.chunked)"])
        state.routerAnswerEnded()
        #expect(Self.names(state.received(Self.route)) == ["forward \(Self.route)"])
        for unframed in [
            "GARBAGE\r\n\r\n", "POST /route HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 7\r\n\r\n",
            "POST /route HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n",
        ] {
            let other = Lane()
            #expect(Self.names(other.received(unframed)) == ["forward \(unframed)"], "\(unframed.debugDescription)")
        }
    }

    @Test func whatArrivesDuringAnAnswerWaitsAndReadingPausesOnlyThen() {
        let state = Lane()
        #expect(Self.names(state.received(Self.route)).count == 1)
        #expect(state.readRequested(writable: true), "nothing waits yet: reading goes on")
        #expect(state.received(Self.health).isEmpty)
        #expect(state.caught(SocketError()) == nil)
        #expect(state.event(ChannelShouldQuiesceEvent(), closes: true).isEmpty)
        #expect(!state.readRequested(writable: true), "a request waits: reading pauses")
        #expect(
            Self.names(state.answerWritten()) == ["forward \(Self.health)", "read complete", "forward error", "forward quiesce", "read"])
    }

    @Test func aWaitingLaneRequestIsAnsweredInTurnAndWhatFollowsItWaitsAgain() {
        let state = Lane()
        _ = state.received(Self.route)
        #expect(state.received(Self.route + Self.health).isEmpty)
        #expect(Self.names(state.answerWritten()) == [#"answer /route {"a":1}"#])
        #expect(!state.readRequested(writable: true), "the health check still waits")
        #expect(Self.names(state.answerWritten()) == ["forward \(Self.health)", "read complete", "read"])
    }

    @Test func shutdownWaitsForTheRequestBeingRead() {
        let state = Lane()
        let split = Self.route.index(Self.route.startIndex, offsetBy: 20)
        _ = state.received(String(Self.route[..<split]))
        #expect(state.event(ChannelShouldQuiesceEvent(), closes: true).isEmpty)
        #expect(Self.names(state.event("other", closes: false)) == ["forward event"])
        #expect(Self.names(state.received(String(Self.route[split...]))) == [#"answer /route {"a":1}"#])
        #expect(Self.names(state.answerWritten()) == ["forward quiesce"])
        let idle = Lane()
        #expect(Self.names(idle.event(ChannelShouldQuiesceEvent(), closes: true)) == ["forward quiesce"])
    }

    @Test func shutdownWaitsForAPartRequestOnlyUntilItIsWhole() {
        // A request for the router: once it is whole and forwarded, shutdown goes on to the router.
        let state = Lane()
        _ = state.received("POST /x HTTP/1.1\r\nContent-Le")
        #expect(state.event(ChannelShouldQuiesceEvent(), closes: true).isEmpty)
        #expect(
            Self.names(state.received("ngth: 2\r\n\r\n{}")) == [
                "forward POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", "forward quiesce",
            ])
        // Bytes the lane does not frame: from then on the router's, and so is shutdown.
        let unframed = Lane()
        _ = unframed.received("POST /x HTTP/1.1\r\nTransfer-Enc")
        #expect(unframed.event(ChannelShouldQuiesceEvent(), closes: true).isEmpty)
        #expect(Self.names(unframed.received("oding: chunked\r\n\r\n")).last == "forward quiesce")
    }

    @Test func theEndOfInputReleasesAShutdownThatWaitedForMoreBytes() {
        let state = Lane()
        _ = state.received("POST /route HTTP/1.1\r\nCont")
        #expect(state.event(ChannelShouldQuiesceEvent(), closes: true).isEmpty)
        #expect(
            Self.names(state.event(ChannelEvent.inputClosed, closes: true, endOfInput: true)) == [
                "forward POST /route HTTP/1.1\r\nCont", "read complete", "forward quiesce", "forward event",
            ])
        // The same while an answer is being written: both wait for it, then neither waits for bytes.
        let answering = Lane()
        _ = answering.received(Self.route + "GET /he")
        #expect(answering.event(ChannelShouldQuiesceEvent(), closes: true).isEmpty)
        #expect(answering.event(ChannelEvent.inputClosed, closes: true, endOfInput: true).isEmpty)
        #expect(Self.names(answering.answerWritten()) == ["forward GET /he", "read complete", "forward quiesce", "forward event"])
    }

    @Test func aRouterAnswerThatClosesMakesTheRestTheRouters() {
        let state = Lane()
        _ = state.received("GET /a HTTP/1.1\r\n\r\nPOST /rou")
        #expect(Self.names(state.routerCloses()) == ["forward POST /rou", "read complete"])
        state.routerAnswerEnded()
        #expect(Self.names(state.received(Self.route)) == ["forward \(Self.route)"])
    }

    @Test func emptyLinesBeforeARequestArePassedOver() {
        let state = Lane()
        #expect(Self.names(state.received("\r\n\r\n" + Self.route)) == [#"answer /route {"a":1}"#])
    }

    @Test func theEndOfInputGivesAPartlyReadRequestToTheRouter() {
        let state = Lane()
        _ = state.received("POST /route HTTP/1.1\r\nCont")
        #expect(
            Self.names(state.event(ChannelEvent.inputClosed, closes: true, endOfInput: true)) == [
                "forward POST /route HTTP/1.1\r\nCont", "read complete", "forward event",
            ])
        let answering = Lane()
        _ = answering.received(Self.route + "GET /he")
        #expect(answering.event(ChannelEvent.inputClosed, closes: true, endOfInput: true).isEmpty, "it waits for the answer")
        #expect(Self.names(answering.answerWritten()) == ["forward GET /he", "read complete", "forward event"])
    }

    @Test func aClosingAnswerEndsTheConversation() {
        let state = Lane()
        _ = state.received("POST /route HTTP/1.1\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        _ = state.received(Self.health)
        #expect(state.answerWritten(closing: true).isEmpty)
        #expect(state.received(Self.health).isEmpty)
    }

    @Test func readingPausesWhileAnswersCannotBeWritten() {
        let state = Lane()
        #expect(!state.readRequested(writable: false))
        #expect(!state.writabilityChanged(writable: false))
        #expect(state.writabilityChanged(writable: true), "the read asked for is made once answers can go out")
        #expect(!state.writabilityChanged(writable: true), "and only once")
    }

    /// The lane asks for reads itself only while no request of the connection is with the
    /// router, its bytes are not all the router's, and its own answer does not close it.
    @Test func theConnectionIsTheLanesAloneOnlyWhileTheRouterHasNothingOfIt() {
        let state = Lane()
        #expect(state.readsAlone, "a new connection")
        _ = state.received(Self.route)
        #expect(state.readsAlone, "answering")
        _ = state.answerWritten()
        _ = state.received(Self.health)
        #expect(!state.readsAlone, "a request with the router")
        state.routerAnswerEnded()
        #expect(state.readsAlone, "its answer went out")
        let unframed = Lane()
        _ = unframed.received(Self.chunked)
        unframed.routerAnswerEnded()
        #expect(!unframed.readsAlone, "every byte is the router's")
        let closing = Lane()
        _ = closing.received("POST /route HTTP/1.1\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        _ = closing.answerWritten(closing: true)
        #expect(!closing.readsAlone, "the lane's answer closed it")
    }
}

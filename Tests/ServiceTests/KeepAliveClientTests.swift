import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import GridHTTP

/// The keep-alive client between services, against a real NIO HTTP server on loopback that
/// counts the connections it accepts and the requests each path received.
@Suite(.timeLimit(.minutes(1))) struct KeepAliveClientTests {
    @Test func anAnswerComesWholeAndTheLinkIsReused() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            for number in 1...5 {
                let answer = try await client.send(
                    .POST, to: server.endpoint, target: "/echo?n=\(number)", headers: ["Content-Type": "application/json"],
                    body: ByteBuffer(string: #"{"n":\#(number)}"#), timeout: .seconds(5))
                #expect(answer.status == 200)
                #expect(String(buffer: answer.body) == #"/echo?n=\#(number) {"n":\#(number)}"#)
                #expect(answer.headers.first(name: "X-Seen-Content-Type") == "application/json")
                #expect(answer.headers.first(name: "X-Seen-Content-Length") == "\(#"{"n":1}"#.utf8.count)")
            }
            let get = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            #expect(get.headers.first(name: "X-Seen-Content-Length") == "", "a GET without a body carries no Content-Length")
            #expect(server.connectionsAccepted == 1)
        }
    }

    @Test func anAnswerThatClosesItsLinkIsNotReused() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            let first = try await client.send(.GET, to: server.endpoint, target: "/close", body: nil, timeout: .seconds(5))
            #expect(first.status == 200)
            let second = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            #expect(String(buffer: second.body) == "/echo ")
            #expect(server.connectionsAccepted == 2)
        }
    }

    @Test func nothingListeningIsRefused() async throws {
        let port = try await TestServer.with { $0.endpoint.port }
        let client = KeepAliveClient()
        defer { client.shutdown() }
        await #expect(throws: UpstreamFailure.refused) {
            _ = try await client.send(.GET, to: HTTPEndpoint(host: "127.0.0.1", port: port), target: "/", body: nil, timeout: .seconds(5))
        }
    }

    @Test func aSilentServerTimesOutAndItsLinkIsDropped() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            let started = NIODeadline.now()
            await #expect(throws: UpstreamFailure.timedOut) {
                _ = try await client.send(
                    .POST, to: server.endpoint, target: "/silent", body: ByteBuffer(string: "{}"), timeout: .milliseconds(300))
            }
            #expect(NIODeadline.now() - started < .seconds(3))
            let next = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            #expect(String(buffer: next.body) == "/echo ")
            #expect(server.connectionsAccepted == 2)
        }
    }

    /// A link keeps one timer across its exchanges: each exchange still times out at its own deadline.
    @Test func eachExchangeOnALinkTimesOutAtItsOwnDeadline() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            _ = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(30))
            var started = NIODeadline.now()
            await #expect(throws: UpstreamFailure.timedOut) {
                _ = try await client.send(
                    .POST, to: server.endpoint, target: "/silent", body: ByteBuffer(string: "{}"), timeout: .milliseconds(300))
            }
            #expect(NIODeadline.now() - started < .seconds(3), "an earlier deadline than the link's timer")
            _ = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .milliseconds(200))
            started = NIODeadline.now()
            await #expect(throws: UpstreamFailure.timedOut) {
                _ = try await client.send(
                    .POST, to: server.endpoint, target: "/silent", body: ByteBuffer(string: "{}"), timeout: .milliseconds(800))
            }
            let waited = NIODeadline.now() - started
            #expect(waited >= .milliseconds(750) && waited < .seconds(3), "a later deadline than the link's timer: \(waited)")
            #expect(server.connectionsAccepted == 2)
        }
    }

    @Test func aLateAnswerIsNeverReadAsTheNextRequests() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            await #expect(throws: UpstreamFailure.timedOut) {
                _ = try await client.send(.GET, to: server.endpoint, target: "/slow", body: nil, timeout: .milliseconds(100))
            }
            try await Task.sleep(for: .milliseconds(300))  // the slow answer has been sent by now, to a closed link
            let next = try await client.send(.GET, to: server.endpoint, target: "/echo?next", body: nil, timeout: .seconds(5))
            #expect(String(buffer: next.body) == "/echo?next ")
        }
    }

    @Test func anAnswerOverTheLimitFailsAsUnreachableAndDropsItsLink() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient(answerLimit: 1024)
            defer { client.shutdown() }
            do throws(UpstreamFailure) {
                _ = try await client.send(.GET, to: server.endpoint, target: "/big", body: nil, timeout: .seconds(5))
                Issue.record("an answer of 4096 bytes passed a limit of 1024")
            } catch {
                guard case .unreachable(let reason) = error else {
                    Issue.record("an answer over the limit failed as \(error)")
                    return
                }
                #expect(reason.contains("larger than 1024"))
            }
            _ = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            #expect(server.connectionsAccepted == 2)
        }
    }

    @Test func aPostWhoseLinkDropsIsNotSentAgain() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            _ = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))  // a link to reuse
            await #expect(throws: UpstreamFailure.self) {
                _ = try await client.send(.POST, to: server.endpoint, target: "/drop", body: ByteBuffer(string: "{}"), timeout: .seconds(5))
            }
            #expect(server.deliveries("/drop") == 1)
        }
    }

    @Test func aGetWhoseLinkDropsIsTriedOnceMore() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            _ = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            await #expect(throws: UpstreamFailure.self) {
                _ = try await client.send(.GET, to: server.endpoint, target: "/drop", body: nil, timeout: .seconds(5))
            }
            #expect(server.deliveries("/drop") == 2)
        }
    }

    @Test func aRetryThatFindsNothingListeningKeepsTheFirstFailure() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            _ = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            // The server takes the request, stops listening and drops the link: the retry is
            // refused, but the first attempt may have acted, so the failure must not read as refused.
            do throws(UpstreamFailure) {
                _ = try await client.send(.DELETE, to: server.endpoint, target: "/drop-and-stop", body: nil, timeout: .seconds(5))
                Issue.record("a dropped request was answered")
            } catch {
                #expect(error != .refused, "\(error)")
            }
            #expect(server.deliveries("/drop-and-stop") == 1)
        }
    }

    @Test func aLinkTheServerClosedWhileIdleIsReplaced() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            _ = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            try await server.closeEveryConnection()
            // Once the client has seen its link close, a POST (never sent twice) goes on a new link.
            let deadline = ContinuousClock.now + .seconds(10)
            while client.idleLinksOpen(to: server.endpoint) > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let answer = try await client.send(
                .POST, to: server.endpoint, target: "/echo", body: ByteBuffer(string: "{}"), timeout: .seconds(5))
            #expect(answer.status == 200)
            #expect(server.connectionsAccepted == 2)
        }
    }

    @Test func requestsBeyondTheLinkLimitWaitInLine() async throws {
        try await TestServer.with { server in
            // Six requests, two links: each link carries three, one after another.
            let client = KeepAliveClient(maxLinksPerEndpoint: 2)
            defer { client.shutdown() }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await client.send(.GET, to: server.endpoint, target: "/slow", body: nil, timeout: .seconds(10)).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 6))
            #expect(server.connectionsAccepted == 2)
            // In line past its deadline: timed out, and never sent.
            let client1 = KeepAliveClient(maxLinksPerEndpoint: 1)
            defer { client1.shutdown() }
            async let busy = client1.send(.GET, to: server.endpoint, target: "/slow", body: nil, timeout: .seconds(10))
            let deadline = ContinuousClock.now + .seconds(10)
            while server.deliveries("/slow") < 7, ContinuousClock.now < deadline {  // the one link is taken
                try await Task.sleep(for: .milliseconds(5))
            }
            await #expect(throws: UpstreamFailure.timedOut) {
                _ = try await client1.send(.GET, to: server.endpoint, target: "/echo?waited", body: nil, timeout: .milliseconds(50))
            }
            #expect(try await busy.status == 200)
            #expect(server.deliveries("/echo") == 0)
        }
    }

    /// `sendNow`, for callers on an event loop: sent at once over a link of that loop (a new one
    /// while the pool has room), answered on the loop; declined, with nothing sent, off the loops
    /// or when every link is busy.
    @Test func sendNowAnswersOnTheLoopOverALinkOfItsOwn() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient(maxLinksPerEndpoint: 1)
            defer { client.shutdown() }
            let declined = client.sendNow(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5)) { _ in }
            #expect(!declined, "off the loops, nothing is sent")
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            for number in 1...3 {
                let prompt = try #require(await Self.sendNow(client, to: server, target: "/echo?n=\(number)", on: loop))
                #expect(prompt.onLoop)
                guard case .answered(let answer) = prompt.answer else {
                    Issue.record("not answered: \(prompt.answer)")
                    continue
                }
                #expect(answer.status == 200)
                #expect(String(buffer: answer.body) == "/echo?n=\(number) {}")
            }
            #expect(server.connectionsAccepted == 1, "the link made for the first is reused")

            // The one link busy: declined, and nothing reaches the server.
            let busy = try await loop.submit {
                let first = client.sendNow(.GET, to: server.endpoint, target: "/slow", body: nil, timeout: .seconds(10)) { _ in }
                let second = client.sendNow(.GET, to: server.endpoint, target: "/echo?second", body: nil, timeout: .seconds(10)) { _ in }
                return (first, second)
            }.get()
            #expect(busy.0 && !busy.1)
            #expect(server.deliveries("/echo?second") == 0)
        }
    }

    @Test func sendNowFailsAsSendWould() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            let silent = try #require(await Self.sendNow(client, to: server, target: "/silent", timeout: .milliseconds(300), on: loop))
            guard case .failed(.timedOut) = silent.answer else {
                Issue.record("a silent server: \(silent.answer)")
                return
            }
            let limited = KeepAliveClient(answerLimit: 1024)
            defer { limited.shutdown() }
            let large = try #require(await Self.sendNow(limited, to: server, target: "/big", on: loop))
            guard case .failed(.unreachable(let reason)) = large.answer else {
                Issue.record("an answer over the limit: \(large.answer)")
                return
            }
            #expect(reason.contains("larger than 1024 bytes"))
        }
        let port = try await TestServer.with { $0.endpoint.port }
        let client = KeepAliveClient()
        defer { client.shutdown() }
        let refused = try #require(
            await Self.sendNow(client, to: HTTPEndpoint(host: "127.0.0.1", port: port), target: "/", on: loop))
        guard case .failed(.refused) = refused.answer else {
            Issue.record("nothing listening: \(refused.answer)")
            return
        }
    }

    /// `client.sendNow` from `loop`: its answer, and whether it came on the loop; nil when declined.
    static func sendNow(
        _ client: KeepAliveClient, to server: TestServer, target: String, timeout: Duration = .seconds(5), on loop: any EventLoop
    ) async -> (answer: KeepAliveClient.PromptAnswer, onLoop: Bool)? {
        await sendNow(client, to: server.endpoint, target: target, timeout: timeout, on: loop)
    }

    static func sendNow(
        _ client: KeepAliveClient, to endpoint: HTTPEndpoint, target: String, timeout: Duration = .seconds(5), on loop: any EventLoop
    ) async -> (answer: KeepAliveClient.PromptAnswer, onLoop: Bool)? {
        await withCheckedContinuation { answered in
            loop.execute {
                let sent = client.sendNow(
                    .POST, to: endpoint, target: target, headers: ["Content-Type": "application/json"], body: ByteBuffer(string: "{}"),
                    timeout: timeout
                ) { answer in answered.resume(returning: (answer, loop.inEventLoop)) }
                if !sent { answered.resume(returning: nil) }
            }
        }
    }

    @Test func anAnswerBeforeTheWholeRequestLeftIsReadButItsLinkIsNotReused() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            // The server answers on the head; most of 32 MB is still waiting to be written then.
            let body = ByteBuffer(repeating: UInt8(ascii: "x"), count: 32 << 20)
            let early = try await client.send(.POST, to: server.endpoint, target: "/early", body: body, timeout: .seconds(20))
            #expect(early.status == 413)
            let next = try await client.send(.GET, to: server.endpoint, target: "/echo?next", body: nil, timeout: .seconds(5))
            #expect(String(buffer: next.body) == "/echo?next ")
            #expect(server.connectionsAccepted == 2, "the rest of the big request must not reach the server ahead of the next one")
        }
    }

    @Test func anAnswerThatRunsUntilTheLinkClosesComesWhole() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            let answer = try await client.send(.GET, to: server.endpoint, target: "/until-close", body: nil, timeout: .seconds(5))
            #expect(answer.status == 200)
            #expect(String(buffer: answer.body) == "read until the close")
            _ = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            #expect(server.connectionsAccepted == 2)
        }
    }

    @Test func bytesAfterAnAnswerDropTheLink() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            let first = try await client.send(.GET, to: server.endpoint, target: "/twice", body: nil, timeout: .seconds(5))
            #expect(String(buffer: first.body) == "/twice ")
            try await Task.sleep(for: .milliseconds(100))  // the second, unasked-for answer has arrived by now
            for number in 1...3 {
                let next = try await client.send(.GET, to: server.endpoint, target: "/echo?n=\(number)", body: nil, timeout: .seconds(5))
                #expect(String(buffer: next.body) == "/echo?n=\(number) ", "an answer is never one sent for an earlier request")
            }
            #expect(server.connectionsAccepted == 2)
        }
    }

    @Test func urlsSplitIntoEndpointAndTarget() {
        #expect(HTTPEndpoint.split("http://127.0.0.1:7101/sessions")! == (HTTPEndpoint(host: "127.0.0.1", port: 7101), "/sessions"))
        #expect(HTTPEndpoint.split("http://substation-a/metrics")! == (HTTPEndpoint(host: "substation-a", port: 80), "/metrics"))
        #expect(HTTPEndpoint.split("http://[::1]:8080")! == (HTTPEndpoint(host: "::1", port: 8080), "/"))
        #expect(HTTPEndpoint.split("http://[::1]/x")! == (HTTPEndpoint(host: "::1", port: 80), "/x"))
        #expect(HTTPEndpoint.split("http://h:9?x=1")! == (HTTPEndpoint(host: "h", port: 9), "/?x=1"))
        #expect(HTTPEndpoint.split("http://h:8080/a?b=c%20d")! == (HTTPEndpoint(host: "h", port: 8080), "/a?b=c%20d"))
        for other in [
            "https://h/x", "HTTP://h/", "http://", "http://h:0/", "http://h:70000/", "http://h:/x", "http://u@h/", "http://h/a b",
            "http://h/#f", "http://::1/", "http://[::1]x", "http://[abz]/", "http://[fe80::1%25en0]/", "http://h/\u{e9}",
            "http://h/<x>", "http://h\u{e9}/",
        ] {
            #expect(HTTPEndpoint.split(other) == nil, "\(other)")
        }
    }
}

/// An HTTP/1.1 server for the client's tests: `/echo` answers the target and body, `/close`
/// answers with `Connection: close`, `/silent` never answers, `/slow` answers after 200 ms,
/// `/big` sends 4,096 bytes, `/drop` closes the connection without answering, `/drop-and-stop`
/// also stops listening, `/early` answers 413 as soon as the head arrives, `/until-close` sends
/// an HTTP/1.0 answer whose body ends with the connection, `/twice` answers twice.
final class TestServer: Sendable {
    private let channel: any Channel
    private let accepted: NIOLockedValueBox<[any Channel]>
    private let delivered: NIOLockedValueBox<[String: Int]>

    var endpoint: HTTPEndpoint { HTTPEndpoint(host: "127.0.0.1", port: port) }
    let port: Int
    var connectionsAccepted: Int { accepted.withLockedValue { $0.count } }
    func deliveries(_ path: String) -> Int { delivered.withLockedValue { $0[path, default: 0] } }

    private init(channel: any Channel, accepted: NIOLockedValueBox<[any Channel]>, delivered: NIOLockedValueBox<[String: Int]>) {
        self.channel = channel
        self.accepted = accepted
        self.delivered = delivered
        self.port = channel.localAddress!.port!
    }

    static func with<T>(_ body: (TestServer) async throws -> T) async throws -> T {
        let accepted = NIOLockedValueBox<[any Channel]>([])
        let delivered = NIOLockedValueBox<[String: Int]>([:])
        let listener = NIOLockedValueBox<(any Channel)?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                accepted.withLockedValue { $0.append(child) }
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(
                        Responder(delivered: delivered, stopListening: { listener.withLockedValue { $0 }?.close(promise: nil) }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        listener.withLockedValue { $0 = channel }
        let server = TestServer(channel: channel, accepted: accepted, delivered: delivered)
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    func closeEveryConnection() async throws {
        for child in accepted.withLockedValue({ $0 }) { try? await child.close() }
    }

    private func stop() async throws {
        try await closeEveryConnection()
        try? await channel.close()
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private let delivered: NIOLockedValueBox<[String: Int]>
        private let stopListening: @Sendable () -> Void
        private var head: HTTPRequestHead?
        private var body = ByteBuffer()
        private var answeredEarly = false

        init(delivered: NIOLockedValueBox<[String: Int]>, stopListening: @escaping @Sendable () -> Void) {
            self.delivered = delivered
            self.stopListening = stopListening
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let requestHead):
                head = requestHead
                body.clear()
                answeredEarly = requestHead.uri == "/early"
                if answeredEarly {
                    delivered.withLockedValue { $0["/early", default: 0] += 1 }
                    respond(context, status: .payloadTooLarge, headers: [:], body: ByteBuffer(string: "too large"), closing: false)
                }
            case .body(var part):
                body.writeBuffer(&part)
            case .end:
                guard let head, !answeredEarly else { return }
                let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
                delivered.withLockedValue { $0[path, default: 0] += 1 }
                var headers: HTTPHeaders = [
                    "X-Seen-Content-Type": head.headers.first(name: "Content-Type") ?? "",
                    "X-Seen-Content-Length": head.headers.first(name: "Content-Length") ?? "",
                ]
                var answer: ByteBuffer
                switch path {
                case "/silent": return
                case "/drop":
                    context.close(promise: nil)
                    return
                case "/drop-and-stop":
                    stopListening()
                    context.close(promise: nil)
                    return
                case "/slow":
                    let loop = context.eventLoop.assumeIsolated()
                    loop.scheduleTask(in: .milliseconds(200)) { [self] in
                        respond(context, headers: [:], body: ByteBuffer(string: "slow"), closing: false)
                    }
                    return
                case "/big": answer = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
                case "/until-close":
                    let head = HTTPResponseHead(version: .http1_0, status: .ok, headers: ["Connection": "close"])
                    context.write(wrapOutboundOut(.head(head)), promise: nil)
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "read until the close")))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                    context.close(promise: nil)
                    return
                case "/twice":
                    // The encoder checks no length: the second answer rides after the first's body.
                    let first = "\(head.uri) "
                    let stray = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray"
                    let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Length": "\(first.utf8.count)"])
                    context.write(wrapOutboundOut(.head(head)), promise: nil)
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: first + stray)))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                    return
                case "/close":
                    headers.add(name: "Connection", value: "close")
                    answer = ByteBuffer(string: "bye")
                default: answer = ByteBuffer(string: "\(head.uri) \(String(buffer: body))")
                }
                respond(context, headers: headers, body: answer, closing: path == "/close")
            }
        }

        private func respond(
            _ context: ChannelHandlerContext, status: HTTPResponseStatus = .ok, headers: HTTPHeaders, body answer: ByteBuffer, closing: Bool
        ) {
            var headers = headers
            headers.add(name: "Content-Length", value: String(answer.readableBytes))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(answer))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            if closing { context.close(promise: nil) }
        }
    }
}

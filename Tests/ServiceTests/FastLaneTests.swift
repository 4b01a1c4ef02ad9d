import GridHTTP
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// `FastLane` in front of a real Hummingbird server on loopback, spoken to with raw bytes so
/// that pipelining, chunked bodies and closing are exactly what the test writes.
@Suite(.timeLimit(.minutes(1))) struct FastLaneTests {
    @Test func theLaneAnswersItsRouteOnAnEventLoopAndTheRouterEverythingElse() async throws {
        try await LaneServer.with { server in
            var answers: [LaneServer.Answer] = []
            for request in [
                Self.post("/route", #"{"n":1}"#, closing: true), Self.get("/health", closing: true),
                Self.post("/route", #"{"n":2}"#, closing: true),
            ] {
                let conversation = try await server.exchange(request)
                #expect(conversation.closedByServer, "Connection: close is honoured")
                answers += conversation.answers
            }
            #expect(answers.map(\.body) == [#"lane {"n":1}"#, "router health", #"lane {"n":2}"#])
            #expect(answers.map(\.status) == [201, 200, 201])
            #expect(answers[0].headers["content-type"] == "application/json")
            #expect(answers[0].headers["date"]?.hasSuffix(" GMT") == true, "a Date header, as the router's answers have")
            #expect(server.laneRanOnEventLoop.withLockedValue { $0 } == [true, true], "the lane's task ran on an event loop thread")
        }
    }

    @Test func pipelinedRequestsAreAnsweredInTheOrderTheyCame() async throws {
        try await LaneServer.with { server in
            // A slow lane answer first: everything behind it waits. A router answer next: a
            // lane request behind it goes to the router too, so it cannot overtake.
            let conversation = try await server.exchange(
                Self.post("/route", #"{"slow":1}"#) + Self.get("/slow") + Self.post("/route", #"{"n":3}"#) + Self.get("/health")
                    + Self.post("/route", #"{"n":5}"#, closing: true))
            #expect(
                conversation.answers.map(\.body) == [
                    #"lane {"slow":1}"#, "router slow", #"router {"n":3}"#, "router health", #"router {"n":5}"#,
                ])
            #expect(conversation.closedByServer)
        }
    }

    /// A route that answers on the loop: at once (from inside its start), later from the same
    /// loop, or from another thread; pipelined answers still leave in order, each once.
    @Test func onLoopAnswersLeaveInTheOrderTheRequestsCame() async throws {
        try await LaneServer.with(answeringOnLoop: true) { server in
            let conversation = try await server.exchange(
                Self.post("/route", #"{"n":1}"#) + Self.post("/route", #"{"slow":2}"#) + Self.post("/route", #"{"later":3}"#)
                    + Self.post("/route", #"{"n":4}"#) + Self.get("/health") + Self.post("/route", #"{"n":6}"#, closing: true))
            #expect(
                conversation.answers.map(\.body) == [
                    #"lane {"n":1}"#, #"lane {"slow":2}"#, #"lane {"later":3}"#, #"lane {"n":4}"#, "router health",
                    #"router {"n":6}"#,
                ])
            #expect(conversation.answers.prefix(4).allSatisfy { $0.status == 201 })
            #expect(conversation.closedByServer)
            #expect(server.laneRanOnEventLoop.withLockedValue { $0 } == [true, true, true, true], "started where it was read")
        }
    }

    @Test func readingResumesAfterTheRequestsThatWaitedAreAnswered() async throws {
        try await LaneServer.with { server in
            // The health check waits behind the slow answer, so reading pauses; a request sent
            // after both answers must still be read.
            let conversation = try await server.exchange(
                Self.post("/route", #"{"slow":1}"#) + Self.get("/health"),
                then: [(afterAnswers: 2, send: Self.post("/route", #"{"n":3}"#, closing: true))])
            #expect(conversation.answers.map(\.body) == [#"lane {"slow":1}"#, "router health", #"lane {"n":3}"#])
            #expect(conversation.closedByServer)
        }
    }

    @Test func requestsTheLaneDoesNotTakeReachTheRouter() async throws {
        try await LaneServer.with { server in
            let conversation = try await server.exchange(
                "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
                    + "POST /route?x=1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                    + "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 99\r\n\r\n"
                    + String(repeating: " ", count: 99)
                    + "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 2\r\n\r\n{}"
                    + Self.get("/health", closing: true))
            #expect(conversation.answers.map(\.status) == [200, 200, 200, 200, 200])
            #expect(
                conversation.answers.map(\.body) == [
                    "router hi", "router {}", "router " + String(repeating: " ", count: 99), "router {}", "router health",
                ])
        }
    }

    @Test func http10KeepAliveIsAnsweredAsHTTP10AndKeptOpen() async throws {
        try await LaneServer.with { server in
            let body = #"{"n":1}"#
            let conversation = try await server.exchange(
                "POST /route HTTP/1.0\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                    + body,
                then: [(afterAnswers: 1, send: "POST /route HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")])
            #expect(conversation.answers.map(\.body) == [#"lane {"n":1}"#, "lane {}"])
            #expect(conversation.answers.map(\.version) == ["HTTP/1.0", "HTTP/1.0"])
            #expect(conversation.answers.first?.headers["connection"] == "keep-alive")
            #expect(conversation.answers.last?.headers["connection"] == "close", "HTTP/1.0 without keep-alive closes")
            #expect(conversation.closedByServer)
        }
    }

    @Test func fromAChunkedRequestOnTheConnectionIsTheRouters() async throws {
        try await LaneServer.with { server in
            let chunk = String(repeating: "x", count: 40)
            // The lane does not frame chunked bodies: the router reads them (here, without the
            // lane's 64-byte limit) and everything after them on the connection.
            let conversation = try await server.exchange(
                "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "28\r\n\(chunk)\r\n28\r\n\(chunk)\r\n0\r\n\r\n",
                then: [
                    (afterAnswers: 1, send: Self.get("/health")),
                    (afterAnswers: 2, send: Self.post("/route", #"{"n":3}"#, closing: true)),
                ])
            #expect(conversation.answers.map(\.body) == ["router " + chunk + chunk, "router health", #"router {"n":3}"#])
            #expect(conversation.closedByServer)
        }
    }

    @Test func garbageBehindALaneRequestIsAnsweredAfterIt() async throws {
        try await LaneServer.with { server in
            let conversation = try await server.exchange(Self.post("/route", #"{"slow":1}"#) + "NOT HTTP AT ALL\r\n\r\n")
            #expect(conversation.answers.map(\.status) == [201, 400], "the lane's answer first, then the router's 400")
            #expect(conversation.answers.first?.body == #"lane {"slow":1}"#)
            #expect(conversation.closedByServer)
        }
    }

    @Test func aClientThatEndsItsOutputStillGetsItsAnswer() async throws {
        try await LaneServer.with { server in
            let conversation = try await server.exchange(Self.post("/route", #"{"slow":1}"#), endingOutput: true)
            #expect(conversation.answers.map(\.body) == [#"lane {"slow":1}"#])
            #expect(conversation.closedByServer)
        }
    }

    @Test(arguments: [false, true]) func aGracefulShutdownWaitsForTheAnswerTheLaneIsWorkingOn(answeringOnLoop: Bool) async throws {
        try await LaneServer.with(answeringOnLoop: answeringOnLoop) { server in
            let answer = Task { try await server.exchange(Self.post("/route", #"{"slow":1}"#)) }
            try await server.waitUntilALaneAnswerStarted()
            server.shutDown()
            let conversation = try await answer.value
            #expect(conversation.answers.map(\.body) == [#"lane {"slow":1}"#])
            #expect(conversation.closedByServer)
        }
    }

    /// Request after request on one connection, each sent once the one before is answered (a
    /// read each): the lane asks for its own next read while the connection is its alone, so
    /// the framework's handlers behind it are not asked at all then; once the router has a
    /// request, they ask as before, and the lane takes over again after its answer.
    @Test func theLaneAsksForItsOwnReadsWhileTheConnectionIsItsAlone() async throws {
        try await LaneServer.with(answeringOnLoop: true) { server in
            let turns = [
                Self.post("/route", #"{"n":2}"#), Self.post("/route", #"{"n":3}"#), Self.post("/route", #"{"n":4}"#),
                Self.get("/health"), Self.post("/route", #"{"n":6}"#), Self.get("/slow"), Self.post("/route", #"{"n":8}"#),
                Self.post("/route", #"{"n":9}"#), Self.post("/route", #"{"n":10}"#, closing: true),
            ]
            let conversation = try await server.exchange(
                Self.post("/route", #"{"n":1}"#), then: turns.enumerated().map { (afterAnswers: $0.offset + 1, send: $0.element) })
            #expect(
                conversation.answers.map(\.body) == [
                    #"lane {"n":1}"#, #"lane {"n":2}"#, #"lane {"n":3}"#, #"lane {"n":4}"#, "router health", #"lane {"n":6}"#,
                    "router slow", #"lane {"n":8}"#, #"lane {"n":9}"#, #"lane {"n":10}"#,
                ])
            #expect(conversation.closedByServer)
            // Ten requests, ten reads at least: the connection's first read and the reads after
            // the two router requests come from behind the lane (three here); the lane's own do not.
            let fromBehind = server.readsFromBehindTheLane.withLockedValue { $0 }
            #expect(fromBehind >= 3 && fromBehind <= 5, "\(fromBehind) reads came from behind the lane")
        }
    }

    static func post(_ path: String, _ body: String, closing: Bool = false) -> String {
        "POST \(path) HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + (closing ? "Connection: close\r\n" : "") + "\r\n" + body
    }

    static func get(_ path: String, closing: Bool = false) -> String {
        "GET \(path) HTTP/1.1\r\nHost: t\r\n" + (closing ? "Connection: close\r\n" : "") + "\r\n"
    }
}

/// A Hummingbird server with a lane for `POST /route` (answers "lane <body>", slowly for a body
/// with "slow") and router routes that answer "router ...".
private struct LaneServer: Sendable {
    let port: Int
    let laneRanOnEventLoop: NIOLockedValueBox<[Bool]>
    let laneStarted: NIOLockedValueBox<Int>
    /// Reads asked for by the handlers behind the lane (the framework's), on every connection.
    let readsFromBehindTheLane: NIOLockedValueBox<Int>
    let group: ServiceGroup

    struct Answer {
        var version: String
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// `answeringOnLoop`: the lane's route answers `.onLoop`: at once from inside its start, a
    /// body with "later" from the same loop afterwards, one with "slow" from another thread
    /// 300 ms later. Otherwise `.task`, where "slow" sleeps 300 ms.
    static func with(answeringOnLoop: Bool = false, _ body: @Sendable (LaneServer) async throws -> Void) async throws {
        let onLoop = NIOLockedValueBox<[Bool]>([])
        let started = NIOLockedValueBox(0)
        let readsFromBehind = NIOLockedValueBox(0)
        let answer: @Sendable (String) -> WireAnswer = { text in
            WireAnswer(status: .created, contentType: "application/json", body: ByteBuffer(string: "lane " + text))
        }
        let lane =
            answeringOnLoop
            ? FastLane.Route(
                method: .POST, path: "/route", bodyLimit: 64,
                answering: .onLoop { request, respond in
                    let loop = MultiThreadedEventLoopGroup.currentEventLoop
                    onLoop.withLockedValue { $0.append(loop != nil) }
                    started.withLockedValue { $0 += 1 }
                    let text = String(buffer: request.body)
                    if text.contains("slow") {
                        Task.detached {
                            try? await Task.sleep(for: .milliseconds(300))
                            respond(answer(text))
                        }
                    } else if text.contains("later"), let loop {
                        loop.execute { respond(answer(text)) }
                    } else {
                        respond(answer(text))
                    }
                })
            : FastLane.Route(method: .POST, path: "/route", bodyLimit: 64) { request in
                let body = request.body
                onLoop.withLockedValue { $0.append(MultiThreadedEventLoopGroup.currentEventLoop != nil) }
                started.withLockedValue { $0 += 1 }
                let text = String(buffer: body)
                if text.contains("slow") { try? await Task.sleep(for: .milliseconds(300)) }
                return answer(text)
            }
        let router = Router()
        router.post("/route") { request, _ in "router " + String(buffer: try await request.body.collect(upTo: 1024)) }
        router.get("/health") { _, _ in "router health" }
        router.get("/slow") { _, _ in
            try await Task.sleep(for: .milliseconds(200))
            return "router slow"
        }
        let port = NIOLockedValueBox<EventLoopPromise<Int>>(MultiThreadedEventLoopGroup.singleton.any().makePromise())
        let app = Application(
            router: router,
            server: .http1(
                configuration: .init(additionalChannelHandlers: [FastLane.inFront(of: lane), ReadCounter(count: readsFromBehind)])),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLockedValue { $0 }.succeed(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "fast-lane-test"))
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "fast-lane-test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let server = LaneServer(
                port: try await port.withLockedValue { $0 }.futureResult.get(), laneRanOnEventLoop: onLoop, laneStarted: started,
                readsFromBehindTheLane: readsFromBehind, group: group)
            do {
                try await body(server)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func shutDown() {
        Task { await group.triggerGracefulShutdown() }
    }

    func waitUntilALaneAnswerStarted() async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while laneStarted.withLockedValue({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(laneStarted.withLockedValue { $0 } > 0)
    }

    /// What came back on one connection: the answers, and whether the server closed it (rather
    /// than the test giving up after 5 s).
    struct Conversation {
        var answers: [Answer]
        var closedByServer: Bool
    }

    /// Writes `requests` on a new connection, then each of `then` once that many answers have
    /// come, optionally ends its output, and reads until the server closes the connection.
    func exchange(_ requests: String, then later: [(afterAnswers: Int, send: String)] = [], endingOutput: Bool = false) async throws
        -> Conversation
    {
        let received = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: ByteBuffer.self)
        let collector = Collector(done: received)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let gaveUp = NIOLockedValueBox(false)
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(5)) {
            gaveUp.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        try await channel.writeAndFlush(ByteBuffer(string: requests))
        for step in later {
            while Self.answers(in: String(buffer: collector.all.withLockedValue { $0 })).count < step.afterAnswers, channel.isActive {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await channel.writeAndFlush(ByteBuffer(string: step.send))
        }
        if endingOutput { try await channel.close(mode: .output) }
        let text = String(buffer: try await received.futureResult.get())
        return Conversation(answers: Self.answers(in: text), closedByServer: !gaveUp.withLockedValue { $0 })
    }

    /// Splits HTTP/1.1 answers with a Content-Length each.
    static func answers(in text: String) -> [Answer] {
        var answers: [Answer] = []
        var rest = Substring(text)
        while let headEnd = rest.range(of: "\r\n\r\n") {
            let lines = rest[..<headEnd.lowerBound].split(separator: "\r\n")
            let statusLine = lines.first?.split(separator: " ") ?? []
            let status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = headers["content-length"].flatMap { Int($0) } ?? 0
            let bodyStart = headEnd.upperBound
            let bodyEnd = rest.utf8.index(bodyStart, offsetBy: length, limitedBy: rest.endIndex) ?? rest.endIndex
            answers.append(
                Answer(
                    version: statusLine.first.map(String.init) ?? "", status: status, headers: headers,
                    body: String(rest[bodyStart..<bodyEnd])))
            rest = rest[bodyEnd...]
        }
        return answers
    }
}

/// Gathers every byte a connection receives until it closes.
private final class Collector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let done: EventLoopPromise<ByteBuffer>
    let all = NIOLockedValueBox(ByteBuffer())

    init(done: EventLoopPromise<ByteBuffer>) {
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        all.withLockedValue { $0.writeBuffer(&buffer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(all.withLockedValue { $0 })
    }
}

/// Counts the reads the handlers behind it ask for (it sits behind the HTTP/1 codec and the lane).
private final class ReadCounter: ChannelOutboundHandler, RemovableChannelHandler, Sendable {
    typealias OutboundIn = Any
    let count: NIOLockedValueBox<Int>

    init(count: NIOLockedValueBox<Int>) {
        self.count = count
    }

    func read(context: ChannelHandlerContext) {
        count.withLockedValue { $0 += 1 }
        context.read()
    }
}

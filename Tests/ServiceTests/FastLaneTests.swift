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
                answers += try await server.exchange(request)
            }
            #expect(answers.map(\.body) == [#"lane {"n":1}"#, "router health", #"lane {"n":2}"#])
            #expect(answers.map(\.status) == [201, 200, 201])
            #expect(answers[0].headers["content-type"] == "application/json")
            #expect(server.laneRanOnEventLoop.withLockedValue { $0 } == [true, true], "the lane's task ran on an event loop thread")
        }
    }

    @Test func pipelinedRequestsAreAnsweredInTheOrderTheyCame() async throws {
        try await LaneServer.with { server in
            // A slow lane answer first: everything behind it waits. A router answer next: a
            // lane request behind it goes to the router too, so it cannot overtake.
            let answers = try await server.exchange(
                Self.post("/route", #"{"slow":1}"#) + Self.get("/slow") + Self.post("/route", #"{"n":3}"#) + Self.get("/health")
                    + Self.post("/route", #"{"n":5}"#, closing: true))
            #expect(answers.map(\.body) == [#"lane {"slow":1}"#, "router slow", #"router {"n":3}"#, "router health", #"router {"n":5}"#])
        }
    }

    @Test func requestsTheLaneDoesNotTakeReachTheRouter() async throws {
        try await LaneServer.with { server in
            let answers = try await server.exchange(
                "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
                    + "POST /route?x=1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                    + "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 99\r\n\r\n"
                    + String(repeating: " ", count: 99)
                    + Self.get("/health", closing: true))
            #expect(answers.map(\.status) == [200, 200, 200, 200])
            #expect(answers.map(\.body) == ["router hi", "router {}", "router " + String(repeating: " ", count: 99), "router health"])
        }
    }

    @Test func aChunkedBodyPastTheLimitIs413AndTheConnectionCloses() async throws {
        try await LaneServer.with { server in
            let chunk = String(repeating: "x", count: 40)
            let answers = try await server.exchange(
                "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "28\r\n\(chunk)\r\n28\r\n\(chunk)\r\n0\r\n\r\n" + Self.get("/health"))
            #expect(answers.count == 1, "the connection closed after the 413")
            #expect(answers.first?.status == 413)
            #expect(answers.first?.headers["content-type"] == "application/problem+json")
            #expect(answers.first?.body.contains("urn:smartgrid:problem:body-too-large") == true)
            // Within the limit, chunked is taken whole.
            let small = try await server.exchange(
                "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n")
            #expect(small.map(\.body) == [#"lane {"a":1}"#])
        }
    }

    @Test func aGracefulShutdownWaitsForTheAnswerTheLaneIsWorkingOn() async throws {
        try await LaneServer.with { server in
            let answer = Task { try await server.exchange(Self.post("/route", #"{"slow":1}"#)) }
            try await server.waitUntilALaneAnswerStarted()
            server.shutDown()
            let answers = try await answer.value
            #expect(answers.map(\.body) == [#"lane {"slow":1}"#])
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
    let group: ServiceGroup

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func with(_ body: @Sendable (LaneServer) async throws -> Void) async throws {
        let onLoop = NIOLockedValueBox<[Bool]>([])
        let started = NIOLockedValueBox(0)
        let lane = FastLane.Route(method: .POST, path: "/route", bodyLimit: 64) { request in
            let body = request.body
            onLoop.withLockedValue { $0.append(MultiThreadedEventLoopGroup.currentEventLoop != nil) }
            started.withLockedValue { $0 += 1 }
            let text = String(buffer: body)
            if text.contains("slow") { try? await Task.sleep(for: .milliseconds(300)) }
            return WireAnswer(status: .created, contentType: "application/json", body: ByteBuffer(string: "lane " + text))
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
            router: router, server: .http1(configuration: .init(additionalChannelHandlers: [FastLane.inFront(of: lane)])),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLockedValue { $0 }.succeed(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "fast-lane-test"))
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "fast-lane-test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let server = LaneServer(
                port: try await port.withLockedValue { $0 }.futureResult.get(), laneRanOnEventLoop: onLoop, laneStarted: started,
                group: group)
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

    /// Writes `requests` in one go on a new connection and reads every answer until the server
    /// closes it (the last request asks it to).
    func exchange(_ requests: String) async throws -> [Answer] {
        let received = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(done: received)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: requests))
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
        defer { timeout.cancel() }
        return Self.answers(in: String(buffer: try await received.futureResult.get()))
    }

    /// Splits HTTP/1.1 answers with a Content-Length each.
    static func answers(in text: String) -> [Answer] {
        var answers: [Answer] = []
        var rest = Substring(text)
        while let headEnd = rest.range(of: "\r\n\r\n") {
            let lines = rest[..<headEnd.lowerBound].split(separator: "\r\n")
            let status = lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = headers["content-length"].flatMap { Int($0) } ?? 0
            let bodyStart = headEnd.upperBound
            let bodyEnd = rest.utf8.index(bodyStart, offsetBy: length, limitedBy: rest.endIndex) ?? rest.endIndex
            answers.append(Answer(status: status, headers: headers, body: String(rest[bodyStart..<bodyEnd])))
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

import GridHTTP
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// The keep-alive client between services, against a real NIO HTTP server on loopback that
/// counts the connections it accepts.
@Suite struct KeepAliveClientTests {
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
            }
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
                _ = try await client.send(.POST, to: server.endpoint, target: "/silent", body: ByteBuffer(string: "{}"), timeout: .milliseconds(300))
            }
            #expect(NIODeadline.now() - started < .seconds(3))
            // The late link is not handed to the next request, which gets its own answer.
            let next = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            #expect(String(buffer: next.body) == "/echo ")
            #expect(server.connectionsAccepted == 2)
        }
    }

    @Test func anAnswerOverTheLimitFailsAsUnreachable() async throws {
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
        }
    }

    @Test func aLinkTheServerClosedWhileIdleIsReplaced() async throws {
        try await TestServer.with { server in
            let client = KeepAliveClient()
            defer { client.shutdown() }
            _ = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            server.closeEveryConnection()
            let answer = try await client.send(.GET, to: server.endpoint, target: "/echo", body: nil, timeout: .seconds(5))
            #expect(answer.status == 200)
            #expect(server.connectionsAccepted == 2)
        }
    }

    @Test func urlsSplitIntoEndpointAndTarget() {
        #expect(HTTPEndpoint.split("http://127.0.0.1:7101/sessions")! == (HTTPEndpoint(host: "127.0.0.1", port: 7101), "/sessions"))
        #expect(HTTPEndpoint.split("http://substation-a/metrics")! == (HTTPEndpoint(host: "substation-a", port: 80), "/metrics"))
        #expect(HTTPEndpoint.split("http://[::1]:8080")! == (HTTPEndpoint(host: "::1", port: 8080), "/"))
        #expect(HTTPEndpoint.split("http://h:9?x=1")! == (HTTPEndpoint(host: "h", port: 9), "/?x=1"))
        for other in ["https://h/x", "http://", "http://h:0/", "http://h:70000/", "http://u@h/", "http://h/a b", "http://h/#f", "http://::1/"] {
            #expect(HTTPEndpoint.split(other) == nil, "\(other)")
        }
    }
}

/// An HTTP/1.1 server for the client's tests: `/echo` answers the target and body, `/close`
/// answers with `Connection: close`, `/silent` never answers, `/big` sends 4,096 bytes.
final class TestServer: Sendable {
    private let channel: any Channel
    private let accepted: NIOLockedValueBox<[any Channel]>

    var endpoint: HTTPEndpoint { HTTPEndpoint(host: "127.0.0.1", port: channel.localAddress!.port!) }
    var connectionsAccepted: Int { accepted.withLockedValue { $0.count } }

    private init(channel: any Channel, accepted: NIOLockedValueBox<[any Channel]>) {
        self.channel = channel
        self.accepted = accepted
    }

    static func with<T>(_ body: (TestServer) async throws -> T) async throws -> T {
        let accepted = NIOLockedValueBox<[any Channel]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                accepted.withLockedValue { $0.append(child) }
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(Responder())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = TestServer(channel: channel, accepted: accepted)
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    func closeEveryConnection() {
        for child in accepted.withLockedValue({ $0 }) { try? child.close().wait() }
    }

    private func stop() async throws {
        closeEveryConnection()
        try await channel.close()
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private var head: HTTPRequestHead?
        private var body = ByteBuffer()

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let requestHead):
                head = requestHead
                body.clear()
            case .body(var part):
                body.writeBuffer(&part)
            case .end:
                guard let head else { return }
                let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
                var headers: HTTPHeaders = ["X-Seen-Content-Type": head.headers.first(name: "Content-Type") ?? ""]
                var answer: ByteBuffer
                switch path {
                case "/silent": return
                case "/big": answer = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
                case "/close":
                    headers.add(name: "Connection", value: "close")
                    answer = ByteBuffer(string: "bye")
                default: answer = ByteBuffer(string: "\(head.uri) \(String(buffer: body))")
                }
                headers.add(name: "Content-Length", value: String(answer.readableBytes))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(answer))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                if path == "/close" { context.close(promise: nil) }
            }
        }
    }
}

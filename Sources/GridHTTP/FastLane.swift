import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Serves one hot route straight off the event loop that read it, in front of the framework's
/// router; every other request, and any request it does not take, goes on to the router untouched.
///
/// It sits in front of the conversion to Swift HTTP Types as well (`inFront(of:)` puts it
/// there), so the lane's requests skip that too.
///
/// Why: Hummingbird gives each request an async stream, a `Request`, a router lookup, the
/// middleware chain and a response writer, and runs its handler on the concurrency pool, so a
/// request that calls another service hops pool -> loop -> pool -> loop. Here the route's answer
/// is computed by a task whose executor preference is the connection's own loop
/// (`EventLoopTaskExecutor`), so its upstream links (`KeepAliveClient` picks the current loop)
/// and its answer stay on one thread. Taking `POST /route` off Hummingbird's path cut the
/// balancer's CPU per request by about a quarter (README, Performance).
///
/// The lane takes a request only when it is `route`'s method and path, its body is JSON of a
/// declared length within the limit (or chunked), and no earlier request on the connection is
/// still with the router: answers leave in the order requests came (HTTP/1.1 pipelining).
/// Requests read while the lane answers wait until its answer is written, and reading pauses.
/// A chunked body that grows past the limit gets a 413 and the connection closes, as nothing
/// else can tell where the next request starts without reading the rest. Decoder errors, the
/// client's end of input and shutdown wait behind the lane's answer, as requests do.
///
/// Hummingbird's `idleTimeout` must stay off with a lane: its connection state handler sits
/// behind the lane and never sees the lane's requests, so it would close busy connections.
public final class FastLane: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias InboundOut = HTTPServerRequestPart
    public typealias OutboundIn = HTTPServerResponsePart
    public typealias OutboundOut = HTTPServerResponsePart

    /// A request the lane took, its body read whole.
    public struct Request: Sendable {
        public var headers: HTTPHeaders
        public var body: ByteBuffer
        /// The client's address, for limits kept per client.
        public var remoteAddress: SocketAddress?
    }

    /// The route the lane serves, and how it answers a request.
    public struct Route: Sendable {
        public var method: HTTPMethod
        public var path: String
        public var bodyLimit: Int
        /// Headers the answer reads: a request that repeats one goes to the router, which joins
        /// the values (and so answers as it always did).
        public var soleHeaders: [String]
        public var answer: @Sendable (Request) async -> WireAnswer

        public init(
            method: HTTPMethod, path: String, bodyLimit: Int = WireJSON.bodyLimit, soleHeaders: [String] = [],
            answer: @escaping @Sendable (Request) async -> WireAnswer
        ) {
            self.method = method
            self.path = path
            self.bodyLimit = bodyLimit
            self.soleHeaders = ["Content-Type"] + soleHeaders
            self.answer = answer
        }

        /// Whether the lane takes a request with this head.
        func takes(_ head: HTTPRequestHead) -> Bool {
            guard head.method == method, head.uri.utf8.elementsEqual(path.utf8) else { return false }
            guard let contentType = head.headers.first(name: "Content-Type"), WireJSON.isJSON(contentType) else { return false }
            // Expect: 100-continue and over-long bodies are the router's (it answers them as everywhere else).
            if head.headers.contains(name: "Expect") { return false }
            if soleHeaders.contains(where: { head.headers[$0].count > 1 }) { return false }
            if let length = head.headers.first(name: "Content-Length") {
                guard let bytes = Int(length), bytes <= bodyLimit else { return false }
            }
            return true
        }
    }

    private let route: Route
    private var state: FastLaneState
    private var executor: EventLoopTaskExecutor?

    init(route: Route) {
        self.route = route
        self.state = FastLaneState(bodyLimit: route.bodyLimit, takes: route.takes)
    }

    /// The handler to give Hummingbird (`HTTP1Channel.Configuration(additionalChannelHandlers:)`):
    /// it puts the lane in front of the conversion to HTTP Types as the connection opens.
    public static func inFront(of route: Route) -> any RemovableChannelHandler {
        Installer(route: route)
    }

    /// Moves the lane to just before `HTTP1ToHTTPServerCodec`, then leaves the pipeline.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = Never
        let route: Route

        init(route: Route) {
            self.route = route
        }

        func handlerAdded(context: ChannelHandlerContext) {
            do {
                let pipeline = context.pipeline.syncOperations
                let codec = try pipeline.context(handlerType: HTTP1ToHTTPServerCodec.self)
                try pipeline.addHandler(FastLane(route: route), position: .before(codec.handler))
                pipeline.removeHandler(context: context, promise: nil)
            } catch {
                context.fireErrorCaught(error)
                context.close(promise: nil)
            }
        }
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        executor = EventLoopTaskExecutor(loop: context.eventLoop)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let action = state.received(unwrapInboundIn(data)) { carryOut(action, context: context) }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let action = state.caught(error) { carryOut(action, context: context) }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let closesConnection = event is ChannelShouldQuiesceEvent || (event as? ChannelEvent) == .inputClosed
        if let action = state.event(event, closesConnection: closesConnection) { carryOut(action, context: context) }
    }

    public func read(context: ChannelHandlerContext) {
        if state.readRequested(writable: context.channel.isWritable) { context.read() }
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if state.writabilityChanged(writable: context.channel.isWritable) { context.read() }
        context.fireChannelWritabilityChanged()
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { state.routerAnswerEnded() }
        context.write(data, promise: promise)
    }

    private func carryOut(_ action: FastLaneState.Action, context: ChannelHandlerContext) {
        switch action {
        case .forward(let part): context.fireChannelRead(wrapInboundOut(part))
        case .answer(let head, let body): answer(head, body, context: context)
        case .refuseOverLimit:
            write(WireAnswer(Problem.bodyTooLarge(limit: route.bodyLimit)), version: .http1_1, closing: true, context: context)
        case .forwardError(let error): context.fireErrorCaught(error)
        case .forwardEvent(let event): context.fireUserInboundEventTriggered(event)
        case .forwardReadComplete: context.fireChannelReadComplete()
        case .read: context.read()
        }
    }

    private func answer(_ head: HTTPRequestHead, _ body: ByteBuffer, context: ChannelHandlerContext) {
        let answered = context.eventLoop.makePromise(of: WireAnswer.self)
        let request = Request(headers: head.headers, body: body, remoteAddress: context.channel.remoteAddress)
        Task(executorPreference: executor) { [route] in
            answered.succeed(await route.answer(request))
        }
        let closing = !head.isKeepAlive
        let version = head.version
        answered.futureResult.assumeIsolated().whenSuccess { answer in
            self.write(answer, version: version, closing: closing, context: context)
            for action in self.state.answerWritten(closing: closing, writable: context.channel.isWritable) {
                self.carryOut(action, context: context)
            }
        }
    }

    private func write(_ answer: WireAnswer, version: HTTPVersion, closing: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        for field in answer.headers { headers.add(name: field.name.rawName, value: field.value) }
        headers.add(name: "Content-Length", value: String(answer.body.readableBytes))
        headers.add(name: "Date", value: HTTPDate.now())
        if closing {
            headers.add(name: "Connection", value: "close")
        } else if version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: version, status: .init(statusCode: answer.status.code), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if closing { written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}

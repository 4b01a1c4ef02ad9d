import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Serves one hot route straight off the event loop that read it, from the connection's bytes,
/// in front of the framework's HTTP/1 codec and router; every other request goes on to them
/// untouched.
///
/// Why: Hummingbird gives each request an async stream, a `Request`, a router lookup, the
/// middleware chain and a response writer, and runs its handler on the concurrency pool, so a
/// request that calls another service hops pool -> loop -> pool -> loop. Here a route answers in
/// one of two ways (`Route.Answering`):
/// - `.onLoop` (the balancer's `POST /route`): the answer is started right where the request was
///   read and handed back through a function, so when it needs no waiting (the order goes out
///   over a link of the same loop, `KeepAliveClient.sendNow`, and comes back there) no
///   task runs at all. A bare SwiftNIO forwarder showed that the tasks, continuations and
///   executor queues between the two sockets cost the balancer more than its routing.
/// - `.task` (the gateway's charge requests, which wait for their database): one task per
///   connection (fed through a `LaneMailbox`) whose executor preference is the connection's own
///   loop (`EventLoopTaskExecutor`), so its upstream links (`KeepAliveClient` picks the current
///   loop) and its answer stay on one thread. Its async functions are `nonisolated(nonsending)`
///   (SE-0461): a plain nonisolated async function switches executor as it starts, and each
///   switch looked the preference up under a lock (about 3% of the user time in the profile).
///
/// The lane reads its requests with `HTTP1RequestReader` and writes its answers as bytes,
/// skipping NIO's HTTP/1 decoder and encoder too (README, Performance).
///
/// The lane answers a request only when it is `route`'s method and path with a JSON body of
/// declared length within the limit, and no earlier request on the connection is still with the
/// router: answers leave in the order requests came (HTTP/1.1 pipelining). Other requests' bytes
/// go to the router's decoder whole, one request at a time. From bytes the lane does not frame
/// (chunked bodies, `Expect`, upgrades, anything malformed), a request after which the router
/// closes, or a router answer that closes, every byte is the router's. Requests read while the
/// lane answers wait until its answer is written, and reading pauses then. Errors, the client's
/// end of input and shutdown wait behind the lane's answer. While the connection is the lane's
/// alone, the lane asks for each next read itself, so that NIO's `autoRead` does not send one
/// through every handler behind it (`channelReadComplete`).
///
/// Hummingbird's `idleTimeout` must stay off with a lane: its connection state handler sits
/// behind the lane and never sees the lane's requests, so it would close busy connections.
public final class FastLane: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// A request the lane took, its body read whole.
    public struct Request: Sendable {
        /// The request's start line and fields as they came.
        var fieldBytes: ByteBuffer
        public var body: ByteBuffer
        /// The request's `Content-Type` (the lane takes only requests with one JSON type).
        public var contentType: String?
        /// The client's address, for limits kept per client.
        public var remoteAddress: SocketAddress?

        /// Every field, made into strings now.
        public var headers: HTTPHeaders { HTTP1Head.fields(ofRead: fieldBytes) }

        /// The first value of the field called `name` (any case), read from the bytes.
        public func field(_ name: String) -> String? {
            HTTP1Head.field(name, inRead: fieldBytes).first
        }
    }

    /// The route the lane serves, and how it answers a request.
    public struct Route: Sendable {
        public var method: HTTPMethod
        public var path: String
        public var bodyLimit: Int
        /// Headers the answer reads: a request that repeats one goes to the router, which joins
        /// the values (and so answers as it always did).
        public var soleHeaders: [String]
        public var answering: Answering

        public typealias TaskAnswer = nonisolated(nonsending) @Sendable (Request) async -> WireAnswer
        public typealias LoopAnswer = @Sendable (Request, _ respond: @escaping @Sendable (WireAnswer) -> Void) -> Void

        /// How the route computes an answer.
        public enum Answering: Sendable {
            /// In the connection's answering task.
            case task(TaskAnswer)
            /// Started on the connection's event loop, and handed to `respond` once, from any
            /// thread: for a route whose answer usually comes without a task (the balancer's
            /// dispatch over a link of the same loop), so it needs no task at all then.
            case onLoop(LoopAnswer)
        }

        public init(
            method: HTTPMethod, path: String, bodyLimit: Int = WireJSON.bodyLimit, soleHeaders: [String] = [],
            answer: @escaping TaskAnswer
        ) {
            self.init(method: method, path: path, bodyLimit: bodyLimit, soleHeaders: soleHeaders, answering: .task(answer))
        }

        public init(
            method: HTTPMethod, path: String, bodyLimit: Int = WireJSON.bodyLimit, soleHeaders: [String] = [], answering: Answering
        ) {
            self.method = method
            self.path = path
            self.bodyLimit = bodyLimit
            self.soleHeaders = ["Content-Type"] + soleHeaders
            self.answering = answering
        }

        /// Whether the lane answers this request.
        func takes(_ request: HTTP1RequestReader.Request) -> Bool {
            guard request.head.method == method, request.head.target.utf8.elementsEqual(path.utf8) else { return false }
            // `soleHeaders` starts with Content-Type (`init`), which the reader read with the head.
            let contentType = request.head.contentType
            guard let type = contentType.first, contentType.count == 1, WireJSON.isJSON(type) else { return false }
            return !soleHeaders.dropFirst().contains { request.head.field($0).count > 1 }
        }
    }

    private let route: Route
    private var state: FastLaneState
    private var executor: EventLoopTaskExecutor?
    /// Whether the router got bytes since the last read completed: only then does it hear of the
    /// completion (the lane's own reads end in the lane).
    private var routerReadSinceCompletion = false
    /// Whether any bytes came since the last read completed.
    private var readSinceCompletion = false
    /// The bytes of the last answer written, and the storage of the next (`write`).
    private var answerBytes = ByteBuffer()
    /// Whether the router's handlers let a read through since they last got bytes: until they
    /// have, they may be holding reads back (their inbound buffer is full), and the lane does
    /// not read past them (`channelReadComplete`).
    private var routerLetsReadsThrough = true
    /// The channel reads by itself after each read (`autoRead`, as Hummingbird leaves it): only
    /// then does the lane ask for the next read in its place.
    private var autoRead = true
    /// The client's address, read once per connection.
    private lazy var remoteAddress = context?.channel.remoteAddress
    /// The connection's requests for its answering task, which starts with the first one.
    private var mailbox: LaneMailbox<(Request, HTTP1RequestReader.Head)>?
    private var context: ChannelHandlerContext?
    /// Whether an `.onLoop` route's answer is being started now: an answer that comes at once
    /// is written after, not from inside, the start.
    private var startingAnswer = false

    init(route: Route) {
        self.route = route
        self.state = FastLaneState(bodyLimit: route.bodyLimit, takes: route.takes)
    }

    /// The handler to give Hummingbird (`HTTP1Channel.Configuration(additionalChannelHandlers:)`):
    /// as the connection opens it puts the lane in front of the HTTP/1 codec.
    public static func inFront(of route: Route) -> any RemovableChannelHandler {
        Installer(route: route)
    }

    /// Puts the lane just before NIO's `HTTPResponseEncoder` (the first HTTP/1 handler) and
    /// `RouterAnswers` just before `HTTP1ToHTTPServerCodec`, then leaves the pipeline.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = Never
        let route: Route

        init(route: Route) {
            self.route = route
        }

        func handlerAdded(context: ChannelHandlerContext) {
            do {
                let pipeline = context.pipeline.syncOperations
                let encoder = try pipeline.context(handlerType: HTTPResponseEncoder.self)
                let codec = try pipeline.context(handlerType: HTTP1ToHTTPServerCodec.self)
                let lane = FastLane(route: route)
                try pipeline.addHandler(lane, position: .before(encoder.handler))
                try pipeline.addHandler(RouterAnswers(lane: lane), position: .before(codec.handler))
                pipeline.removeHandler(context: context, promise: nil)
            } catch {
                context.fireErrorCaught(error)
                context.close(promise: nil)
            }
        }
    }

    /// Tells the lane when an answer of the router's has gone out whole, and when the router
    /// closes the connection after one: it sees the router's answers as HTTP parts, before they
    /// are encoded.
    final class RouterAnswers: ChannelOutboundHandler, RemovableChannelHandler {
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart
        let lane: FastLane

        init(lane: FastLane) {
            self.lane = lane
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            switch unwrapOutboundIn(data) {
            case .head(let head) where HTTP1Head.fields(head.headers, "connection", contain: "close"):
                lane.routerCloses()
            case .end:
                lane.state.routerAnswerEnded()
            default:
                break
            }
            context.write(data, promise: promise)
        }
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        executor = EventLoopTaskExecutor.shared(for: context.eventLoop)
        autoRead = (try? context.channel.syncOptions?.getOption(.autoRead)) ?? true
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        mailbox?.close()
    }

    /// The router closes the connection after its answer: what waits goes to it, after the
    /// write in progress (not from inside it).
    func routerCloses() {
        guard let context else { return }
        context.eventLoop.assumeIsolated().execute {
            self.carryOut(self.state.routerCloses(), context: context)
        }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        readSinceCompletion = true
        carryOut(state.received(unwrapInboundIn(data)), context: context)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        let routerRead = routerReadSinceCompletion
        completeRouterRead(context: context)
        guard readSinceCompletion else { return }
        readSinceCompletion = false
        // Bytes that were the lane's alone: the next read is asked for from here. NIO then skips
        // the read it would ask for from the pipeline's tail, which passes every handler of the
        // framework behind the lane on its way (1.6 us a request in the profile). With the
        // router in the exchange, and until its handlers let a read through again after it,
        // they ask as they always did (their backpressure).
        if autoRead, !routerRead, routerLetsReadsThrough, state.readsAlone { readUnlessPaused(context: context) }
    }

    private func completeRouterRead(context: ChannelHandlerContext) {
        guard routerReadSinceCompletion else { return }
        routerReadSinceCompletion = false
        context.fireChannelReadComplete()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let action = state.caught(error) { carryOut([action], context: context) }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let isEndOfInput = (event as? ChannelEvent) == .inputClosed
        let closesConnection = event is ChannelShouldQuiesceEvent || isEndOfInput
        carryOut(state.event(event, closesConnection: closesConnection, isEndOfInput: isEndOfInput), context: context)
    }

    /// A read asked for by the handlers behind the lane (the router's side let it through).
    public func read(context: ChannelHandlerContext) {
        routerLetsReadsThrough = true
        readUnlessPaused(context: context)
    }

    private func readUnlessPaused(context: ChannelHandlerContext) {
        if state.readRequested(writable: context.channel.isWritable) { context.read() }
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if state.writabilityChanged(writable: context.channel.isWritable) { context.read() }
        context.fireChannelWritabilityChanged()
    }

    private func carryOut(_ actions: [FastLaneState.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .forward(let bytes):
                routerReadSinceCompletion = true
                routerLetsReadsThrough = false
                context.fireChannelRead(wrapInboundOut(bytes))
            case .answer(let request): answer(request, context: context)
            case .forwardError(let error): context.fireErrorCaught(error)
            case .forwardEvent(let event): context.fireUserInboundEventTriggered(event)
            case .forwardReadComplete: completeRouterRead(context: context)
            case .read: context.read()
            }
        }
    }

    private func answer(_ request: HTTP1RequestReader.Request, context: ChannelHandlerContext) {
        let laneRequest = Request(
            fieldBytes: request.head.fieldBytes, body: request.body, contentType: request.head.contentType.first,
            remoteAddress: remoteAddress)
        let answer: Route.TaskAnswer
        switch route.answering {
        case .onLoop(let start):
            answerOnLoop(laneRequest, head: request.head, start: start, context: context)
            return
        case .task(let taskAnswer):
            answer = taskAnswer
        }
        if let mailbox {
            mailbox.deliver((laneRequest, request.head))
            return
        }
        let mailbox = LaneMailbox<(Request, HTTP1RequestReader.Head)>()
        self.mailbox = mailbox
        mailbox.deliver((laneRequest, request.head))
        startAnswering(from: mailbox, answer: answer, context: context)
    }

    /// Starts the route's answer on the loop; the answer is written from the loop once it comes,
    /// but never from inside this call (the lane is still carrying out the actions that led here).
    private func answerOnLoop(
        _ request: Request, head: HTTP1RequestReader.Head, start: Route.LoopAnswer, context: ChannelHandlerContext
    ) {
        let loop = context.eventLoop
        let lane = NIOLoopBound((self, context), eventLoop: loop)
        startingAnswer = true
        defer { startingAnswer = false }
        start(request) { answer in
            if loop.inEventLoop, !lane.value.0.startingAnswer {
                lane.value.0.write(answer, to: head, context: lane.value.1)
            } else {
                loop.execute { lane.value.0.write(answer, to: head, context: lane.value.1) }
            }
        }
    }

    /// The connection's one answering task: takes each request the lane delivers, computes its
    /// answer and writes it, until the connection goes (the mailbox closes). It runs on the
    /// connection's loop (its executor preference), so taking and writing happen at once; the
    /// hops are only for a task that ended up elsewhere.
    private func startAnswering(
        from mailbox: LaneMailbox<(Request, HTTP1RequestReader.Head)>,
        answer: @escaping Route.TaskAnswer, context: ChannelHandlerContext
    ) {
        let loop = context.eventLoop
        let lane = NIOLoopBound((self, context, mailbox), eventLoop: loop)
        Task(executorPreference: executor) {
            while true {
                let next = await withUnsafeContinuation { waiter in
                    if loop.inEventLoop {
                        lane.value.2.take(into: waiter)
                    } else {
                        loop.execute { lane.value.2.take(into: waiter) }
                    }
                }
                guard let (request, head) = next else { return }
                let computed = await answer(request)
                if loop.inEventLoop {
                    lane.value.0.write(computed, to: head, context: lane.value.1)
                } else {
                    loop.execute { lane.value.0.write(computed, to: head, context: lane.value.1) }
                }
            }
        }
    }

    private func write(_ answer: WireAnswer, to head: HTTP1RequestReader.Head, context: ChannelHandlerContext) {
        let closing = !head.keepAlive
        // Written into the connection's one answer buffer: once the last answer has left, its
        // storage is free again, and an answer costs no allocation (a copy is made only while
        // NIO still holds the last one).
        answerBytes.clearForNextMessage()
        answer.writeHTTP1(into: &answerBytes, version: head.version, closing: closing)
        let bytes = answerBytes
        if closing {
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(bytes), promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        }
        carryOut(state.answerWritten(closing: closing, writable: context.channel.isWritable), context: context)
    }
}

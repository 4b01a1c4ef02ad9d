import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Serves one hot route straight off the event loop that read it, in front of the framework's
/// router; every other request, and any request it does not take, goes on to the router untouched.
///
/// Why: Hummingbird gives each request an async stream, a `Request`, a router lookup, the
/// middleware chain and a response writer, and runs its handler on the concurrency pool, so a
/// request that calls another service hops pool -> loop -> pool -> loop. Measured on the
/// balancer, that machinery and those hops cost more than HAProxy's whole proxying hop. Here the
/// route's answer is computed by a task whose executor preference is the connection's own loop
/// (`EventLoopTaskExecutor`), so its upstream links (`KeepAliveClient` picks the current loop)
/// and its answer stay on one thread.
///
/// The lane takes a request only when it is `route`'s method and path, its body is JSON of a
/// declared length within the limit (or chunked), and no earlier request on the connection is
/// still with the router: answers leave in the order requests came (HTTP/1.1 pipelining).
/// Requests read while the lane answers wait (and reading pauses) until its answer is written.
/// A chunked body that grows past the limit gets a 413 and the connection closes, as nothing
/// else can tell where the next request starts without reading the rest.
public final class FastLane: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    /// The route the lane serves, and how it answers a request whose body was read whole.
    public struct Route: Sendable {
        public var method: HTTPRequest.Method
        public var path: String
        public var bodyLimit: Int
        public var answer: @Sendable (HTTPRequest, ByteBuffer) async -> WireAnswer

        public init(
            method: HTTPRequest.Method, path: String, bodyLimit: Int = WireJSON.bodyLimit,
            answer: @escaping @Sendable (HTTPRequest, ByteBuffer) async -> WireAnswer
        ) {
            self.method = method
            self.path = path
            self.bodyLimit = bodyLimit
            self.answer = answer
        }

        /// Whether the lane takes a request with this head.
        func takes(_ head: HTTPRequest) -> Bool {
            guard head.method == method, let target = head.path, target.utf8.elementsEqual(path.utf8) else { return false }
            guard let contentType = head.headerFields[.contentType], WireJSON.isJSON(contentType) else { return false }
            // Expect: 100-continue and over-long bodies are the router's (it answers them as everywhere else).
            if head.headerFields[.expect] != nil { return false }
            if let length = head.headerFields[.contentLength] {
                guard let bytes = Int(length), bytes <= bodyLimit else { return false }
            }
            return true
        }
    }

    private enum Phase {
        case idle
        /// The parts of a request the router has, until its end.
        case forwarding
        case collecting(HTTPRequest, ByteBuffer)
        case answering
        /// A 413 went out; the connection closes and nothing more is read.
        case closing
    }

    private let route: Route
    private var phase = Phase.idle
    /// Requests given to the router whose answers have not ended yet.
    private var withRouter = 0
    /// Parts read while the lane was answering, in order.
    private var held: [HTTPRequestPart] = []
    private var readWanted = false
    private var quiesceHeld = false
    private var executor: EventLoopTaskExecutor?

    public init(route: Route) {
        self.route = route
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        executor = EventLoopTaskExecutor(loop: context.eventLoop)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch phase {
        case .answering: held.append(part)
        case .closing: break
        default: take(part, context: context)
        }
    }

    public func read(context: ChannelHandlerContext) {
        if case .answering = phase {
            readWanted = true
        } else {
            context.read()
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { withRouter = max(0, withRouter - 1) }
        context.write(data, promise: promise)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Shutting down: the framework closes idle connections; one the lane is answering is not idle.
        if event is ChannelShouldQuiesceEvent, isBusy {
            quiesceHeld = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private var isBusy: Bool {
        switch phase {
        case .collecting, .answering: true
        default: false
        }
    }

    private func take(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (phase, part) {
        case (.closing, _):
            break
        case (.idle, .head(let head)) where withRouter == 0 && route.takes(head):
            phase = .collecting(head, ByteBuffer())
        case (.idle, .head):
            withRouter += 1
            phase = .forwarding
            context.fireChannelRead(wrapInboundOut(part))
        case (.forwarding, .end):
            phase = .idle
            context.fireChannelRead(wrapInboundOut(part))
        case (.collecting(let head, var body), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= route.bodyLimit else {
                refuseOverLimit(context: context)
                return
            }
            phase = .idle  // drop the buffer's other reference before appending (no copy)
            body.writeBuffer(&chunk)
            phase = .collecting(head, body)
        case (.collecting(let head, let body), .end):
            answer(head, body, context: context)
        default:
            // Forwarding, or parts the router must judge (a body without a head): its to answer.
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    private func answer(_ head: HTTPRequest, _ body: ByteBuffer, context: ChannelHandlerContext) {
        phase = .answering
        let loop = context.eventLoop
        let answered = loop.makePromise(of: WireAnswer.self)
        Task(executorPreference: executor) { [route] in
            answered.succeed(await route.answer(head, body))
        }
        let closeAfter = head.headerFields[.connection]?.lowercased() == "close"
        answered.futureResult.assumeIsolated().whenSuccess { answer in
            self.write(answer, closing: closeAfter, context: context)
            if closeAfter {
                self.phase = .closing
                return
            }
            self.phase = .idle
            self.resume(context: context)
        }
    }

    private func write(_ answer: WireAnswer, closing: Bool, context: ChannelHandlerContext) {
        var headers = answer.headers
        headers[.contentLength] = String(answer.body.readableBytes)
        if closing { headers[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(answer.body)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if closing { written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }

    private func refuseOverLimit(context: ChannelHandlerContext) {
        phase = .closing
        write(WireAnswer(Problem.bodyTooLarge(limit: route.bodyLimit)), closing: true, context: context)
    }

    /// After an answer: the parts that waited, then reading and shutdown as they were asked for.
    private func resume(context: ChannelHandlerContext) {
        let replaying = !held.isEmpty
        while !held.isEmpty, !isAnswering {
            take(held.removeFirst(), context: context)
        }
        // The parts given on to the router arrive there only with a read's completion.
        if replaying { context.fireChannelReadComplete() }
        guard !isAnswering else { return }
        if quiesceHeld, !isBusy {
            quiesceHeld = false
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        if readWanted {
            readWanted = false
            context.read()
        }
    }

    private var isAnswering: Bool {
        if case .answering = phase { return true }
        return false
    }
}

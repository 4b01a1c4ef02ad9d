import NIOCore

/// One request sent on a keep-alive link, and where its answer goes.
struct Exchange: Sendable {
    /// The request, written by the link's handler (`HTTP1Request.write(into:)`).
    var request: HTTP1Request
    /// When the answer must have arrived; past it the exchange fails as timed out and the link
    /// is closed, so a late answer can never be read as the next request's.
    var deadline: NIODeadline
    /// Where the answer goes, exactly once, from the link's handler.
    var reply: ExchangeReply
}

/// Where an exchange's answer goes: to an awaiting task, or to a function called on the link's
/// loop (`KeepAliveClient.sendNow`, for callers that stay on the loop).
enum ExchangeReply: Sendable {
    case resume(UnsafeContinuation<ExchangeAnswer, any Error>)
    case call(@Sendable (Result<ExchangeAnswer, any Error>) -> Void)

    func send(_ result: Result<ExchangeAnswer, any Error>) {
        switch self {
        case .resume(let continuation): continuation.resume(with: result)
        case .call(let function): function(result)
        }
    }
}

/// A whole answer, and whether the link may carry the next request.
struct ExchangeAnswer: Sendable {
    var response: UpstreamResponse
    var keepAlive: Bool
}

/// A keep-alive link: its channel, and the handler that carries its exchanges.
struct Link: Sendable {
    var channel: any Channel
    var handler: NIOLoopBound<ExchangeHandler>
    /// The channel's event loop, known without asking the channel (the pool looks often).
    var loop: ObjectIdentifier

    init(channel: any Channel, handler: ExchangeHandler) {
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        self.loop = ObjectIdentifier(channel.eventLoop)
    }

    /// Hands `exchange` to the handler, on the link's loop (at once when already there).
    func start(_ exchange: Exchange) {
        if channel.eventLoop.inEventLoop {
            handler.value.start(exchange)
        } else {
            channel.eventLoop.execute { handler.value.start(exchange) }
        }
    }
}

/// The only handler of a keep-alive link: takes one `Exchange` at a time, writes its request's
/// bytes in one flush, reads the answer with an `HTTP1AnswerReader` into an `UpstreamResponse`
/// and resumes the exchange. Any error, a close before the answer, an answer over the size
/// limit or the deadline fails the exchange and closes the link.
///
/// Exchanges are handed to it directly on the link's loop (`Link.start`), not written through
/// the pipeline, and answered through a continuation or a function (`ExchangeReply`): no future,
/// promise or boxed message per exchange, which the profile showed among the largest costs of a
/// dispatch. A function is called from inside the handler's own events (the answer's read, the
/// timer, the close), after the handler has let go of the exchange.
final class ExchangeHandler: ChannelInboundHandler, NIOScheduledCallbackHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The link was already closed (or busy) when the request came: nothing was written.
    struct NotSent: Error {}

    /// The answer's body passed the limit: it was delivered and acted on, but is not read.
    struct AnswerTooLarge: Error {
        var limit: Int
    }

    private let answerLimit: Int
    private var context: ChannelHandlerContext?
    private var pending: ExchangeReply?
    /// The pending exchange's deadline.
    private var deadline = NIODeadline.distantFuture
    /// One timer per link, not per exchange: it is left armed when an exchange completes, and
    /// when it fires it fails the exchange then pending if that one's deadline has passed, or
    /// moves to that deadline (`handleScheduledCallback`). Scheduling and cancelling a timer per
    /// exchange cost about 4% of the balancer's user time.
    private var timer: (callback: NIOScheduledCallback, at: NIODeadline)?
    private var reader: HTTP1AnswerReader
    /// Exchanges started on this link, to tell a late callback's exchange from the current one.
    private var exchanges = 0
    /// Whether the pending exchange's request has all left for the socket. Asked of the channel
    /// once per exchange, just after the write (its options are not cheap to ask).
    private var requestLeft = false
    /// The channel's options, found once: looking them up for every exchange showed in the profile.
    private var options: (any NIOSynchronousChannelOptions)?
    /// The bytes of the last request sent, and the storage of the next.
    private var requestBytes = ByteBuffer()

    init(answerLimit: Int) {
        self.answerLimit = answerLimit
        self.reader = HTTP1AnswerReader(bodyLimit: answerLimit)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        options = context.channel.syncOptions
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        options = nil  // it holds the channel
        timer?.callback.cancel()
        timer = nil
        finish(.failure(UpstreamFailure.unreachable("the connection closed before the answer was complete")))
    }

    /// Sends the exchange's request, or fails it as not sent when the link is closed or busy.
    func start(_ exchange: Exchange) {
        guard let context, pending == nil, context.channel.isActive else {
            // Busy (the pool never does this) or already closed: nothing is written.
            exchange.reply.send(.failure(NotSent()))
            return
        }
        do {
            try armTimer(by: exchange.deadline, context: context)
        } catch {
            // The loop is shutting down: nothing is written.
            exchange.reply.send(.failure(NotSent()))
            return
        }
        pending = exchange.reply
        deadline = exchange.deadline
        // A HEAD's answer has no body, whatever its header fields say.
        reader = HTTP1AnswerReader(bodyLimit: answerLimit, requestWasHead: exchange.request.method == .HEAD)
        exchanges &+= 1
        // Into the link's one request buffer: the last request has left by now (its answer came),
        // so its storage is free again and sending costs no allocation.
        requestBytes.clearForNextMessage()
        exchange.request.write(into: &requestBytes)
        context.writeAndFlush(wrapOutboundOut(requestBytes), promise: nil)
        requestLeft = unsentBytes() == 0
        if !requestLeft {
            // Rare: the request did not all fit in the socket at once. An empty write behind it
            // completes once it has all left, or fails (before `channelInactive`) if it cannot,
            // which fails the exchange even if an answer read until the close then completes.
            let number = exchanges
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenComplete { [self] result in
                guard exchanges == number, pending != nil else { return }
                switch result {
                case .success: requestLeft = true
                case .failure(let error): fail(context, UpstreamFailure.unreachable("the request could not be written: \(error)"))
                }
            }
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: written)
        }
    }

    /// Bytes written to the channel that have not reached the socket yet.
    private func unsentBytes() -> Int {
        (try? options?.getOption(.bufferedWritableBytes)) ?? 0
    }

    /// Makes sure the link's timer fires at `deadline` or before.
    private func armTimer(by deadline: NIODeadline, context: ChannelHandlerContext) throws {
        if let timer, timer.at <= deadline { return }
        timer?.callback.cancel()
        timer = (try context.eventLoop.assumeIsolated().scheduleCallback(at: deadline, handler: self), deadline)
    }

    /// The link's timer: the pending exchange fails as timed out when its deadline has passed;
    /// otherwise the timer moves to that deadline, or lapses on an idle link.
    func handleScheduledCallback(eventLoop: some EventLoop) {
        timer = nil
        guard pending != nil, let context else { return }
        if NIODeadline.now() >= deadline {
            fail(context, UpstreamFailure.timedOut)
        } else if (try? armTimer(by: deadline, context: context)) == nil {
            fail(context, UpstreamFailure.unreachable("the event loop is shutting down"))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard pending != nil else {
            // An answer nobody asked for: the link is out of step, so it is dropped.
            context.close(promise: nil)
            return
        }
        var bytes = unwrapInboundIn(data)
        do throws(HTTP1AnswerReader.Failure) {
            if let whole = try reader.read(&bytes) { complete(whole, context: context) }
        } catch {
            fail(context, error)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, UpstreamFailure.unreachable(String(describing: error)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if pending != nil {
            // An answer whose body runs to the end of the connection is whole now; any other is cut short.
            if let whole = try? reader.endOfInput() {
                complete(whole, context: context)
            } else {
                finish(.failure(UpstreamFailure.unreachable("the connection closed before the answer was complete")))
            }
        }
        context.fireChannelInactive()
    }

    private func complete(_ whole: HTTP1AnswerReader.Answer, context: ChannelHandlerContext) {
        // An answer that came before the whole request left (an early 4xx): the link is not
        // reused, or the rest of this request would reach the server ahead of the next one.
        let response = UpstreamResponse(status: whole.status, head: whole.head, body: whole.body)
        finish(.success(ExchangeAnswer(response: response, keepAlive: whole.keepAlive && requestLeft)))
    }

    /// Resumes the pending exchange, if any (the timer stays armed for the next one).
    private func finish(_ result: Result<ExchangeAnswer, any Error>) {
        guard let reply = pending else { return }
        pending = nil
        deadline = .distantFuture
        reply.send(result)
    }

    private func fail(_ context: ChannelHandlerContext, _ failure: HTTP1AnswerReader.Failure) {
        switch failure {
        case .bodyTooLarge(let limit): fail(context, AnswerTooLarge(limit: limit))
        case .malformed(let reason): fail(context, UpstreamFailure.unreachable("a malformed answer: \(reason)"))
        case .endedEarly: fail(context, UpstreamFailure.unreachable("the connection closed before the answer was complete"))
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ failure: any Error) {
        finish(.failure(failure))
        context.close(promise: nil)
    }
}

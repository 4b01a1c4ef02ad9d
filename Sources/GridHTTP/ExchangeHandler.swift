import NIOCore
import NIOHTTP1

/// One request sent on a keep-alive link, and where its answer goes.
struct Exchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    /// When the answer must have arrived; past it the exchange fails as timed out and the link
    /// is closed, so a late answer can never be read as the next request's.
    var deadline: NIODeadline
    var answer: EventLoopPromise<ExchangeAnswer>
}

/// A whole answer, and whether the link may carry the next request.
struct ExchangeAnswer: Sendable {
    var response: UpstreamResponse
    var keepAlive: Bool
}

/// The last handler of a keep-alive link: takes one `Exchange` at a time, writes its request in
/// one flush (head and body leave in a single write), gathers the answer's parts into an
/// `UpstreamResponse` and completes the exchange. Any error, a close before the answer, an answer
/// over the size limit or the deadline fails the exchange and closes the link.
final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Exchange
    typealias OutboundOut = HTTPClientRequestPart

    /// The link was already closed when the request came: nothing was written.
    struct NotSent: Error {}

    /// The answer's body passed the limit: it was delivered and acted on, but is not read.
    struct AnswerTooLarge: Error {
        var limit: Int
    }

    private let answerLimit: Int
    private var pending: EventLoopPromise<ExchangeAnswer>?
    private var deadline: Scheduled<Void>?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    /// Whether the pending exchange's request has left whole (its last write completed).
    private var requestWritten = false

    init(answerLimit: Int) {
        self.answerLimit = answerLimit
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        promise?.succeed()
        guard pending == nil, context.channel.isActive else {
            // Busy (the pool never does this) or already closed: nothing is written.
            exchange.answer.fail(NotSent())
            return
        }
        let answer = exchange.answer
        pending = answer
        requestWritten = false
        head = nil
        body = nil
        let loop = context.eventLoop.assumeIsolated()
        deadline = loop.scheduleTask(deadline: exchange.deadline) { [self] in
            if isPending(answer) { fail(context, UpstreamFailure.timedOut) }
        }
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { [self] result in
            guard isPending(answer) else { return }
            switch result {
            case .success: requestWritten = true
            case .failure(let error): fail(context, UpstreamFailure.unreachable("the request could not be written: \(error)"))
            }
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard pending != nil else {
            // An answer nobody asked for: the link is out of step, so it is dropped.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let answerHead):
            head = answerHead
        case .body(var part):
            if (body?.readableBytes ?? 0) + part.readableBytes > answerLimit {
                fail(context, AnswerTooLarge(limit: answerLimit))
            } else if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
        case .end:
            guard let answerHead = head, let answer = pending else {
                fail(context, UpstreamFailure.unreachable("an answer ended without a head"))
                return
            }
            pending = nil
            deadline?.cancel()
            deadline = nil
            let response = UpstreamResponse(
                status: Int(answerHead.status.code), headers: answerHead.headers, body: body ?? ByteBuffer())
            head = nil
            body = nil
            // An answer that came before the whole request left (an early 4xx): the link is not
            // reused, or the rest of this request would reach the server ahead of the next one.
            answer.succeed(ExchangeAnswer(response: response, keepAlive: answerHead.isKeepAlive && requestWritten))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, UpstreamFailure.unreachable(String(describing: error)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let answer = pending {
            pending = nil
            deadline?.cancel()
            answer.fail(UpstreamFailure.unreachable("the connection closed before the answer was complete"))
        }
        context.fireChannelInactive()
    }

    private func isPending(_ answer: EventLoopPromise<ExchangeAnswer>) -> Bool {
        pending?.futureResult === answer.futureResult
    }

    private func fail(_ context: ChannelHandlerContext, _ failure: any Error) {
        if let answer = pending {
            pending = nil
            deadline?.cancel()
            deadline = nil
            answer.fail(failure)
        }
        context.close(promise: nil)
    }
}

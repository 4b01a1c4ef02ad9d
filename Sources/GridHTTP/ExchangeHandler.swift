import NIOCore

/// One request sent on a keep-alive link, and where its answer goes.
struct Exchange: Sendable {
    /// The whole request (`HTTP1RequestBytes`).
    var request: ByteBuffer
    /// A HEAD's answer has no body, whatever its header fields say.
    var requestIsHead: Bool
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

/// The only handler of a keep-alive link: takes one `Exchange` at a time, writes its request's
/// bytes in one flush, reads the answer with an `HTTP1AnswerReader` into an `UpstreamResponse`
/// and completes the exchange. Any error, a close before the answer, an answer over the size
/// limit or the deadline fails the exchange and closes the link.
final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Exchange
    typealias OutboundOut = ByteBuffer

    /// The link was already closed when the request came: nothing was written.
    struct NotSent: Error {}

    /// The answer's body passed the limit: it was delivered and acted on, but is not read.
    struct AnswerTooLarge: Error {
        var limit: Int
    }

    private let answerLimit: Int
    private var pending: EventLoopPromise<ExchangeAnswer>?
    private var deadline: Scheduled<Void>?
    private var reader: HTTP1AnswerReader
    /// Whether the pending exchange's request has left whole (its last write completed).
    private var requestWritten = false

    init(answerLimit: Int) {
        self.answerLimit = answerLimit
        self.reader = HTTP1AnswerReader(bodyLimit: answerLimit)
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
        reader = HTTP1AnswerReader(bodyLimit: answerLimit, requestWasHead: exchange.requestIsHead)
        let loop = context.eventLoop.assumeIsolated()
        deadline = loop.scheduleTask(deadline: exchange.deadline) { [self] in
            if isPending(answer) { fail(context, UpstreamFailure.timedOut) }
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { [self] result in
            guard isPending(answer) else { return }
            switch result {
            case .success: requestWritten = true
            case .failure(let error): fail(context, UpstreamFailure.unreachable("the request could not be written: \(error)"))
            }
        }
        context.writeAndFlush(wrapOutboundOut(exchange.request), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard pending != nil else {
            // An answer nobody asked for: the link is out of step, so it is dropped.
            context.close(promise: nil)
            return
        }
        var bytes = unwrapInboundIn(data)
        do throws(HTTP1AnswerReader.Failure) {
            if let whole = try reader.read(&bytes) { complete(whole) }
        } catch {
            fail(context, error)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, UpstreamFailure.unreachable(String(describing: error)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let answer = pending {
            // An answer whose body runs to the end of the connection is whole now; any other is cut short.
            if let whole = try? reader.endOfInput() {
                complete(whole)
            } else {
                pending = nil
                deadline?.cancel()
                answer.fail(UpstreamFailure.unreachable("the connection closed before the answer was complete"))
            }
        }
        context.fireChannelInactive()
    }

    private func complete(_ whole: HTTP1AnswerReader.Answer) {
        guard let answer = pending else { return }
        pending = nil
        deadline?.cancel()
        deadline = nil
        let response = UpstreamResponse(status: whole.status, headers: whole.headers, body: whole.body)
        // An answer that came before the whole request left (an early 4xx): the link is not
        // reused, or the rest of this request would reach the server ahead of the next one.
        answer.succeed(ExchangeAnswer(response: response, keepAlive: whole.keepAlive && requestWritten))
    }

    private func isPending(_ answer: EventLoopPromise<ExchangeAnswer>) -> Bool {
        pending?.futureResult === answer.futureResult
    }

    private func fail(_ context: ChannelHandlerContext, _ failure: HTTP1AnswerReader.Failure) {
        switch failure {
        case .bodyTooLarge(let limit): fail(context, AnswerTooLarge(limit: limit))
        case .malformed(let reason): fail(context, UpstreamFailure.unreachable("a malformed answer: \(reason)"))
        case .endedEarly: fail(context, UpstreamFailure.unreachable("the connection closed before the answer was complete"))
        }
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

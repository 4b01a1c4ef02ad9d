import NIOCore
import NIOHTTP1
import NIOPosix

/// Plain HTTP/1.1 between smartgrid's own services over keep-alive links: one request per link at
/// a time, head and body in one write, links reused last-in first-out so the busy ones stay warm,
/// at most `maxLinksPerEndpoint` per endpoint with the rest waiting in line (`LinkPool`).
///
/// Made for the balancer's dispatch, the hottest path of the grid: the profile showed the
/// general-purpose client's per-request machinery (its pool's state machines, request and
/// response streaming, a task per body) at about a fifth of the balancer's CPU. This client
/// keeps only what a request-answer exchange with a bounded answer needs. `Upstream` sends
/// `https` and anything this client does not take through async-http-client.
///
/// What a failure means, as the callers rely on it: `.refused` only when nothing was sent (no
/// link could be made, and no earlier attempt of the request was written); `.timedOut` and
/// `.unreachable` when the server may have acted. A POST is never sent twice: it is sent again
/// only when its first link was found closed before anything was written. GET, HEAD, PUT,
/// DELETE and OPTIONS (idempotent, RFC 9110 9.2.2) get one more try on another link after a
/// failure. Idle links are dropped after `idleTimeout`, which must stay below the servers' own
/// idle timeout (Hummingbird has none by default).
public final class KeepAliveClient: Sendable {
    private let group: any EventLoopGroup
    private let pool: LinkPool
    public let connectTimeout: TimeAmount
    /// The largest answer body read; a larger one fails the request and closes its link.
    public let answerLimit: Int

    public init(
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxLinksPerEndpoint: Int = 64,
        idleTimeout: TimeAmount = .seconds(20), connectTimeout: TimeAmount = .seconds(1), answerLimit: Int = Upstream.answerLimit
    ) {
        self.group = group
        self.pool = LinkPool(maxLinks: maxLinksPerEndpoint, idleTimeout: idleTimeout)
        self.connectTimeout = connectTimeout
        self.answerLimit = answerLimit
    }

    /// Sends one request and returns the whole answer.
    public nonisolated(nonsending) func send(
        _ method: HTTPMethod, to endpoint: HTTPEndpoint, target: String, headers: HTTPHeaders = [:], body: ByteBuffer?,
        timeout: Duration
    ) async throws(UpstreamFailure) -> UpstreamResponse {
        let deadline = NIODeadline.now() + .nanoseconds(timeout.inNanoseconds)
        let request = HTTP1Request(method: method, endpoint: endpoint, target: target, headers: headers, body: body)
        // The failure of an attempt that may have reached the server: a later refusal does not replace it.
        var mayHaveArrived: UpstreamFailure?
        // Idle links found closed before the request was written are skipped, a few at most.
        for _ in 0..<4 {
            let loop = group.any()
            let link: Link
            let reused: Bool
            do throws(UpstreamFailure) {
                switch try await pool.acquire(endpoint, deadline: deadline, loop: loop) {
                case .link(let idle):
                    link = idle
                    reused = true
                case .connect:
                    link = try await connect(to: endpoint, on: loop, deadline: deadline)
                    reused = false
                }
            } catch {
                throw error == .refused ? (mayHaveArrived ?? .refused) : (mayHaveArrived ?? error)
            }
            let outcome: Outcome
            do throws(UpstreamFailure) {
                outcome = try await exchange(on: link, request: request, deadline: deadline, endpoint: endpoint)
            } catch {
                guard mayHaveArrived == nil, error != .timedOut, method.isIdempotentToRetry, NIODeadline.now() < deadline else {
                    throw mayHaveArrived ?? error
                }
                mayHaveArrived = error
                continue
            }
            switch outcome {
            case .answered(let response): return response
            case .notSent where reused: continue
            case .notSent: throw mayHaveArrived ?? .unreachable("the new connection closed before the request was sent")
            case .answerTooLarge(let limit):
                // Another try would bring the same answer.
                throw mayHaveArrived ?? .unreachable("the answer is larger than \(limit) bytes")
            }
        }
        throw mayHaveArrived ?? .unreachable("no link to \(endpoint.hostHeader) could take the request")
    }

    /// Closes every idle link; requests after this still work but their links are not kept.
    public func shutdown() {
        pool.shutdown()
    }

    /// Idle links to `endpoint` that are still open (for tests and diagnostics).
    func idleLinksOpen(to endpoint: HTTPEndpoint) -> Int {
        pool.idleLinksOpen(to: endpoint)
    }

    private enum Outcome {
        case answered(UpstreamResponse)
        /// The link was found closed (or busy) before the request was written: it surely did not arrive.
        case notSent
        /// The server answered, with more than `answerLimit` bytes.
        case answerTooLarge(limit: Int)
    }

    private nonisolated(nonsending) func exchange(
        on link: Link, request: HTTP1Request, deadline: NIODeadline, endpoint: HTTPEndpoint
    ) async throws(UpstreamFailure) -> Outcome {
        let result: Result<ExchangeAnswer, any Error>
        do {
            // From here the handler keeps the deadline: it fails the answer when the deadline
            // passes, when the link closes, and on any error; or at once, as not sent, when the
            // link was closed before the request could be written.
            result = .success(
                try await withUnsafeThrowingContinuation { answer in
                    link.start(Exchange(request: request, deadline: deadline, reply: .resume(answer)))
                })
        } catch {
            result = .failure(error)
        }
        return try settle(result, on: link, endpoint: endpoint)
    }

    /// What an exchange's result means for the request and for its link: the link goes back to
    /// the pool after an answer that leaves it reusable, and is closed after anything else.
    private func settle(_ result: Result<ExchangeAnswer, any Error>, on link: Link, endpoint: HTTPEndpoint) throws(UpstreamFailure)
        -> Outcome
    {
        switch result {
        case .success(let answer):
            if answer.keepAlive { pool.release(link, endpoint: endpoint) } else { link.channel.close(promise: nil) }
            return .answered(answer.response)
        case .failure(is ExchangeHandler.NotSent):
            return .notSent
        case .failure(let tooLarge as ExchangeHandler.AnswerTooLarge):
            link.channel.close(promise: nil)
            return .answerTooLarge(limit: tooLarge.limit)
        case .failure(let error):
            link.channel.close(promise: nil)
            throw (error as? UpstreamFailure) ?? .unreachable(String(describing: error))
        }
    }

    /// What `sendNow` hands back.
    public enum PromptAnswer: Sendable {
        case answered(UpstreamResponse)
        /// The link was found closed before anything was written: the request surely did not arrive.
        case notSent
        /// It may have arrived (as `send` throws: `.timedOut` or `.unreachable`).
        case failed(UpstreamFailure)
    }

    /// Sends one request from the current event loop over a link that lives on it (an idle one,
    /// or a new one when the pool has room), and calls `answer` on that loop when the exchange
    /// ends; nothing is sent, and it returns false, when the caller is not on an event loop or
    /// every link to `endpoint` is busy (then use `send`, which waits in line). For a caller
    /// that answers from the loop without a task: no suspension, no executor hop. `answer` may
    /// be called before this returns (a link found closed: `.notSent`). No second try: what
    /// `send` adds to that is the caller's to do.
    public func sendNow(
        _ method: HTTPMethod, to endpoint: HTTPEndpoint, target: String, headers: HTTPHeaders = [:], body: ByteBuffer?,
        timeout: Duration, answer: @escaping @Sendable (PromptAnswer) -> Void
    ) -> Bool {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop, let grant = pool.grantNow(endpoint, on: loop) else { return false }
        let deadline = NIODeadline.now() + .nanoseconds(timeout.inNanoseconds)
        let request = HTTP1Request(method: method, endpoint: endpoint, target: target, headers: headers, body: body)
        switch grant {
        case .link(let link):
            start(request, by: deadline, on: link, endpoint: endpoint, answer: answer)
        case .connect:
            makeLink(to: endpoint, on: loop, deadline: deadline).whenComplete { [self] result in
                switch result {
                case .success(let link): start(request, by: deadline, on: link, endpoint: endpoint, answer: answer)
                case .failure(let error): answer(.failed((error as? UpstreamFailure) ?? .unreachable(String(describing: error))))
                }
            }
        }
        return true
    }

    /// Starts `sendNow`'s exchange on `link`, answered through `answer` once settled (a function
    /// rather than a closure: the closure was allocated for every request, link ready or not).
    private func start(
        _ request: HTTP1Request, by deadline: NIODeadline, on link: Link, endpoint: HTTPEndpoint,
        answer: @escaping @Sendable (PromptAnswer) -> Void
    ) {
        let reply = ExchangeReply.call { [self] result in
            do throws(UpstreamFailure) {
                switch try settle(result, on: link, endpoint: endpoint) {
                case .answered(let response): answer(.answered(response))
                case .notSent: answer(.notSent)
                case .answerTooLarge(let limit): answer(.failed(.unreachable("the answer is larger than \(limit) bytes")))
                }
            } catch {
                answer(.failed(error))
            }
        }
        link.start(Exchange(request: request, deadline: deadline, reply: reply))
    }

    /// A new link on `loop`; its slot in the pool is given back when it closes (or if it cannot be made).
    private nonisolated(nonsending) func connect(to endpoint: HTTPEndpoint, on loop: any EventLoop, deadline: NIODeadline)
        async throws(UpstreamFailure)
        -> Link
    {
        do {
            return try await makeLink(to: endpoint, on: loop, deadline: deadline).get()
        } catch {
            throw (error as? UpstreamFailure) ?? .unreachable(String(describing: error))
        }
    }

    /// `connect`, as a future on `loop`, failed with an `UpstreamFailure`.
    private func makeLink(to endpoint: HTTPEndpoint, on loop: any EventLoop, deadline: NIODeadline) -> EventLoopFuture<Link> {
        let remaining = deadline - .now()
        guard remaining > .zero else {
            pool.slotFreed(endpoint)
            return loop.makeFailedFuture(UpstreamFailure.timedOut)
        }
        return ClientBootstrap(group: loop)
            .connectTimeout(min(connectTimeout, remaining))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [answerLimit] channel in
                // Bytes in and out: the handler writes `HTTP1Request`s and reads with
                // `HTTP1AnswerReader`, without NIO's HTTP/1 codec.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ExchangeHandler(answerLimit: answerLimit))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .flatMapThrowing { [pool] channel -> Link in
                guard let handler = try? channel.pipeline.syncOperations.handler(type: ExchangeHandler.self) else {
                    // Closed before it could be used: the slot is freed below, with the failure.
                    channel.close(promise: nil)
                    throw UpstreamFailure.unreachable("the new connection closed at once")
                }
                channel.closeFuture.whenComplete { _ in pool.slotFreed(endpoint) }
                return Link(channel: channel, handler: handler)
            }
            .flatMapErrorThrowing { [pool] error -> Link in
                pool.slotFreed(endpoint)
                if let failure = error as? UpstreamFailure { throw failure }
                if case ChannelError.connectTimeout = error { throw UpstreamFailure.timedOut }
                throw Upstream.classify(error)
            }
    }
}

extension HTTPMethod {
    /// Methods whose repetition has the effect of one request (RFC 9110, 9.2.2).
    fileprivate var isIdempotentToRetry: Bool {
        switch self {
        case .GET, .HEAD, .PUT, .DELETE, .OPTIONS: true
        default: false
        }
    }
}

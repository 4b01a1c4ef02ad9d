import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Plain HTTP/1.1 between smartgrid's own services over keep-alive links: one request per link at
/// a time, head and body in one write, links reused last-in first-out so the busy ones stay warm.
///
/// Made for the balancer's dispatch, the hottest path of the grid: the profile showed the
/// general-purpose client's per-request machinery (its pool's state machines, request and
/// response streaming, a task per body) at about a fifth of the balancer's CPU. This client
/// keeps only what a request-answer exchange with a bounded answer needs. `Upstream` sends
/// `https` and anything this client does not take through async-http-client.
public final class KeepAliveClient: Sendable {
    private struct IdleLink {
        var channel: any Channel
        var since: NIODeadline
    }

    private struct Links {
        var idle: [HTTPEndpoint: [IdleLink]] = [:]
        var lastSweep = NIODeadline.now()
        var shutDown = false
    }

    private let group: any EventLoopGroup
    private let links = NIOLockedValueBox(Links())
    /// Idle links kept per endpoint; more are closed when they come back.
    public let maxIdlePerEndpoint: Int
    /// A link idle longer than this is closed rather than reused.
    public let idleTimeout: TimeAmount
    public let connectTimeout: TimeAmount
    /// The largest answer body read; a larger one fails the request and closes its link.
    public let answerLimit: Int

    public init(
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxIdlePerEndpoint: Int = 64,
        idleTimeout: TimeAmount = .seconds(20), connectTimeout: TimeAmount = .seconds(1), answerLimit: Int = Upstream.answerLimit
    ) {
        self.group = group
        self.maxIdlePerEndpoint = maxIdlePerEndpoint
        self.idleTimeout = idleTimeout
        self.connectTimeout = connectTimeout
        self.answerLimit = answerLimit
    }

    /// Sends one request and returns the whole answer.
    /// A failure on a reused link for a method that is idempotent by HTTP's rules (GET, HEAD,
    /// PUT, DELETE) is tried once more on a new link; a POST's failure is reported, since the
    /// server may have acted on it.
    public func send(
        _ method: HTTPMethod, to endpoint: HTTPEndpoint, target: String, headers: HTTPHeaders = [:], body: ByteBuffer?,
        timeout: Duration
    ) async throws(UpstreamFailure) -> UpstreamResponse {
        let deadline = NIODeadline.now() + .nanoseconds(timeout.inNanoseconds)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)
        head.headers.replaceOrAdd(name: "Host", value: endpoint.hostHeader)
        head.headers.replaceOrAdd(name: "Content-Length", value: String(body?.readableBytes ?? 0))
        if let reused = checkOut(endpoint) {
            do {
                if case .answered(let response) = try await exchange(
                    on: reused, head: head, body: body, deadline: deadline, endpoint: endpoint)
                {
                    return response
                }
                // The server had closed the idle link before the request left: nothing was sent.
            } catch {
                guard error != .timedOut, method.isIdempotentToRetry, NIODeadline.now() < deadline else { throw error }
            }
        }
        let channel = try await connect(to: endpoint, deadline: deadline)
        switch try await exchange(on: channel, head: head, body: body, deadline: deadline, endpoint: endpoint) {
        case .answered(let response): return response
        case .notSent: throw .unreachable("the connection closed before the request was sent")
        }
    }

    /// Closes every idle link; requests after this still work but their links are not kept.
    public func shutdown() {
        let idle = links.withLockedValue { links in
            links.shutDown = true
            defer { links.idle = [:] }
            return links.idle.values.flatMap { $0 }
        }
        for link in idle { link.channel.close(promise: nil) }
    }

    private enum Outcome {
        case answered(UpstreamResponse)
        /// The link was found closed before the request was written: it surely did not arrive.
        case notSent
    }

    private func exchange(
        on channel: any Channel, head: HTTPRequestHead, body: ByteBuffer?, deadline: NIODeadline, endpoint: HTTPEndpoint
    ) async throws(UpstreamFailure) -> Outcome {
        let answer = channel.eventLoop.makePromise(of: ExchangeAnswer.self)
        channel.writeAndFlush(Exchange(head: head, body: body, deadline: deadline, answer: answer), promise: nil)
        let result: ExchangeAnswer
        do {
            result = try await answer.futureResult.get()
        } catch is ExchangeHandler.NotSent {
            channel.close(promise: nil)
            return .notSent
        } catch {
            channel.close(promise: nil)
            throw (error as? UpstreamFailure) ?? .unreachable(String(describing: error))
        }
        if result.keepAlive { checkIn(channel, endpoint: endpoint) } else { channel.close(promise: nil) }
        return .answered(result.response)
    }

    private func connect(to endpoint: HTTPEndpoint, deadline: NIODeadline) async throws(UpstreamFailure)
        -> any Channel
    {
        let remaining = deadline - .now()
        guard remaining > .zero else { throw .timedOut }
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        do {
            return try await ClientBootstrap(group: loop)
                .connectTimeout(min(connectTimeout, remaining))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [answerLimit] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ExchangeHandler(answerLimit: answerLimit))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            if case ChannelError.connectTimeout = error { throw .timedOut }
            throw Upstream.classify(error)
        }
    }

    private func checkOut(_ endpoint: HTTPEndpoint) -> (any Channel)? {
        var stale: [any Channel] = []
        defer { for channel in stale { channel.close(promise: nil) } }
        let now = NIODeadline.now()
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        return links.withLockedValue { links -> (any Channel)? in
            // A link on the caller's own event loop first: its request and answer need no thread hop.
            if let loop, let index = links.idle[endpoint]?.lastIndex(where: { $0.channel.eventLoop === loop }) {
                let link = links.idle[endpoint]!.remove(at: index)
                if link.channel.isActive && now - link.since < idleTimeout { return link.channel }
                stale.append(link.channel)
            }
            while let link = links.idle[endpoint]?.popLast() {
                if link.channel.isActive && now - link.since < idleTimeout { return link.channel }
                stale.append(link.channel)
            }
            return nil
        }
    }

    private func checkIn(_ channel: any Channel, endpoint: HTTPEndpoint) {
        var closing: [any Channel] = []
        defer { for channel in closing { channel.close(promise: nil) } }
        let now = NIODeadline.now()
        links.withLockedValue { links in
            if links.shutDown || !channel.isActive || links.idle[endpoint, default: []].count >= maxIdlePerEndpoint {
                closing.append(channel)
            } else {
                links.idle[endpoint, default: []].append(IdleLink(channel: channel, since: now))
            }
            // Now and then, drop what went stale everywhere (endpoints that went away, for one).
            guard now - links.lastSweep > idleTimeout else { return }
            links.lastSweep = now
            for (key, idle) in links.idle {
                let (live, stale) = idle.partitioned(by: { $0.channel.isActive && now - $0.since < idleTimeout })
                closing += stale.map(\.channel)
                links.idle[key] = live.isEmpty ? nil : live
            }
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

extension Array {
    /// The elements that satisfy `belongs`, and the others, each in their order.
    fileprivate func partitioned(by belongs: (Element) -> Bool) -> (matching: [Element], rest: [Element]) {
        var matching: [Element] = []
        var rest: [Element] = []
        for element in self {
            if belongs(element) { matching.append(element) } else { rest.append(element) }
        }
        return (matching, rest)
    }
}

import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// The floor for any balancer built on SwiftNIO, as a reference path of `scripts/bench-proxy.sh`
/// (issue #14): an HTTP/1.1 keep-alive forwarder with nothing but the I/O. Each request's bytes
/// go as they came to the upstream with the fewest requests in flight (ties in turn, like
/// HAProxy's `leastconn`), over links kept per event loop; each answer's bytes come back as they
/// came. No routing view, no validation, no accounting, no metrics: what the balancer costs
/// beyond this is what its features and its own plumbing cost.
///
/// Messages are framed by `Content-Length` alone. A request with `Transfer-Encoding` gets a 501,
/// an upstream that cannot be reached or answers out of frame a 502; either closes the client's
/// connection.
///
///     smartgrid-bench forward PORT UPSTREAM_PORT...   (everything on 127.0.0.1)
enum BareForwarder {
    static func run(port: Int, upstreamPorts: [Int]) throws {
        // Stopped by SIGTERM or SIGINT even when started with them blocked or ignored (as a test
        // runner may start it), before the loops' threads inherit the mask.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for stop in [SIGTERM, SIGINT] {
            signal(stop, SIG_DFL)
            sigaddset(&stopSignals, stop)
        }
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        let addresses = try upstreamPorts.map { try SocketAddress(ipAddress: "127.0.0.1", port: $0) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        var links: [ObjectIdentifier: NIOLoopBound<UpstreamLinks>] = [:]
        for loop in group.makeIterator() {
            links[ObjectIdentifier(loop)] = try loop.submit { NIOLoopBound(UpstreamLinks(addresses), eventLoop: loop) }.wait()
        }
        let perLoop = links
        let server = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let links = perLoop[ObjectIdentifier(channel.eventLoop)]!.value
                    try channel.pipeline.syncOperations.addHandler(ClientSide(links: links))
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        print("forwarding 127.0.0.1:\(port) to \(upstreamPorts.map(String.init).joined(separator: ", "))")
        try server.closeFuture.wait()
    }
}

/// Where an HTTP/1 message that starts a buffer ends.
enum MessageFrame: Equatable {
    case incomplete
    /// The whole message is this many bytes.
    case complete(Int)
    /// Framed otherwise than by `Content-Length` (chunked), or a head past 64 KiB.
    case unsupported

    static let headLimit = 64 * 1024

    static func of(_ bytes: ByteBuffer) -> MessageFrame {
        bytes.withUnsafeReadableBytes { raw in
            var lineStart = 0
            var bodyLength = 0
            var index = 0
            while index + 1 < raw.count {
                guard raw[index] == 13, raw[index + 1] == 10 else {
                    index += 1
                    continue
                }
                let line = UnsafeRawBufferPointer(rebasing: raw[lineStart..<index])
                if line.isEmpty {
                    let total = index + 2 + bodyLength
                    return raw.count >= total ? .complete(total) : .incomplete
                }
                if named(line, "transfer-encoding:") { return .unsupported }
                if named(line, "content-length:") {
                    guard let length = decimal(line.dropFirst(15)) else { return .unsupported }
                    bodyLength = length
                }
                index += 2
                lineStart = index
            }
            return raw.count > headLimit ? .unsupported : .incomplete
        }
    }

    private static func named(_ line: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard line.count >= name.utf8CodeUnitCount else { return false }
        for offset in 0..<name.utf8CodeUnitCount where line[offset] | 0x20 != name.utf8Start[offset] { return false }
        return true
    }

    private static func decimal(_ digits: Slice<UnsafeRawBufferPointer>) -> Int? {
        var value = 0
        var seen = false
        for byte in digits where byte != 32 && byte != 9 {
            guard (48...57).contains(byte), value < 1 << 40 else { return nil }
            value = value * 10 + Int(byte - 48)
            seen = true
        }
        return seen ? value : nil
    }
}

/// One event loop's links to the upstreams and how many requests each upstream has in flight.
final class UpstreamLinks {
    typealias Link = (channel: any Channel, handler: UpstreamSide)
    let addresses: [SocketAddress]
    private var idle: [[Link]]
    private var inFlight: [Int]
    private var nextTie = 0

    init(_ addresses: [SocketAddress]) {
        self.addresses = addresses
        self.idle = Array(repeating: [], count: addresses.count)
        self.inFlight = Array(repeating: 0, count: addresses.count)
    }

    /// The upstream with the fewest requests in flight, ties taken in turn; counted as one more.
    func take() -> Int {
        nextTie = (nextTie + 1) % addresses.count
        var best = nextTie
        for step in 1..<max(1, addresses.count) {
            let index = (nextTie + step) % addresses.count
            if inFlight[index] < inFlight[best] { best = index }
        }
        inFlight[best] += 1
        return best
    }

    func done(_ upstream: Int) {
        inFlight[upstream] -= 1
    }

    func idleLink(to upstream: Int) -> Link? {
        while let link = idle[upstream].popLast() {
            if link.channel.isActive { return link }
        }
        return nil
    }

    func keep(_ link: Link, for upstream: Int) {
        idle[upstream].append(link)
    }
}

/// The client's connection: one request at a time, in order; the next is read from the buffer
/// when the answer to the last has been written.
final class ClientSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let links: UpstreamLinks
    private var buffer: ByteBuffer?
    private var waiting = false

    init(links: UpstreamLinks) {
        self.links = links
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if buffer == nil { buffer = bytes } else { buffer!.writeBuffer(&bytes) }
        forwardNext(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func forwardNext(context: ChannelHandlerContext) {
        guard !waiting, let bytes = buffer else { return }
        switch MessageFrame.of(bytes) {
        case .incomplete:
            return
        case .unsupported:
            refuse("501 Not Implemented", context: context)
        case .complete(let length):
            let request = buffer!.readSlice(length: length)!
            if buffer!.readableBytes == 0 { buffer = nil }
            waiting = true
            forward(request, context: context)
        }
    }

    private func forward(_ request: ByteBuffer, context: ChannelHandlerContext) {
        let upstream = links.take()
        if let link = links.idleLink(to: upstream) {
            send(request, on: link, upstream: upstream, context: context)
            return
        }
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(UpstreamSide()) }
            }
            .connect(to: links.addresses[upstream])
            .assumeIsolated()
            .whenComplete { result in
                guard case .success(let channel) = result,
                    let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamSide.self)
                else {
                    self.links.done(upstream)
                    self.refuse("502 Bad Gateway", context: context)
                    return
                }
                self.send(request, on: (channel, handler), upstream: upstream, context: context)
            }
    }

    private func send(_ request: ByteBuffer, on link: UpstreamLinks.Link, upstream: Int, context: ChannelHandlerContext) {
        link.handler.exchange(request) { answer in
            self.links.done(upstream)
            guard let answer else {
                self.refuse("502 Bad Gateway", context: context)
                return
            }
            self.links.keep(link, for: upstream)
            context.writeAndFlush(self.wrapOutboundOut(answer), promise: nil)
            self.waiting = false
            self.forwardNext(context: context)
        }
    }

    private func refuse(_ status: String, context: ChannelHandlerContext) {
        var answer = context.channel.allocator.buffer(capacity: 80)
        answer.writeString("HTTP/1.1 \(status)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        context.writeAndFlush(wrapOutboundOut(answer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        buffer = nil
        waiting = true  // nothing more is read from this connection
    }
}

/// A keep-alive link to an upstream: writes one request and hands back its whole answer, or nil
/// when the link fails before the answer is whole (then it closes).
final class UpstreamSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?
    private var buffer: ByteBuffer?
    private var pending: ((ByteBuffer?) -> Void)?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        finish(nil)
    }

    func exchange(_ request: ByteBuffer, answer: @escaping (ByteBuffer?) -> Void) {
        guard let context, context.channel.isActive, pending == nil else { return answer(nil) }
        pending = answer
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if buffer == nil { buffer = bytes } else { buffer!.writeBuffer(&bytes) }
        switch MessageFrame.of(buffer!) {
        case .incomplete:
            return
        case .complete(let length) where pending != nil && length == buffer!.readableBytes:
            let answer = buffer!
            buffer = nil
            finish(answer)
        default:
            // Out of frame: an answer nobody asked for, more than one answer, or chunked.
            finish(nil)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(nil)
        context.close(promise: nil)
    }

    private func finish(_ answer: ByteBuffer?) {
        guard let pending else { return }
        self.pending = nil
        pending(answer)
    }
}

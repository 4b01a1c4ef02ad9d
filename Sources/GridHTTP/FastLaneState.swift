import NIOCore

/// What `FastLane` does with each thing that happens on its connection, decided without the
/// connection: which requests the lane answers and which bytes go on to the router's decoder,
/// what waits behind the lane's answer, when reading pauses. The handler carries out the
/// actions it returns.
struct FastLaneState {
    enum Phase: Equatable {
        /// Reading requests from the connection's bytes.
        case reading
        /// The lane computes and writes an answer; bytes that come meanwhile wait.
        case answering
        /// Every byte from here on is the router's: the lane met bytes it does not frame (see
        /// `HTTP1RequestReader`), or a request after which the router closes the connection.
        case routerOnly
        /// The lane's answer closes the connection; nothing more is read.
        case closing
    }

    /// What came in while the lane answered, given on in order once it has.
    enum Held {
        case error(any Error)
        /// Shutdown (`ChannelShouldQuiesceEvent`) would close the connection at once, with the
        /// lane's answer unwritten; so would the end of the client's input (`inputClosed`).
        case event(Any, isEndOfInput: Bool)
    }

    enum Action {
        /// Give these bytes to the router's decoder.
        case forward(ByteBuffer)
        /// Compute the lane's answer to this request and write it.
        case answer(HTTP1RequestReader.Request)
        case forwardError(any Error)
        case forwardEvent(Any)
        /// Bytes were given to the router outside a read: they reach it with a read's completion.
        case forwardReadComplete
        /// Ask the channel for more bytes: reading had paused.
        case read
    }

    private(set) var phase = Phase.reading
    /// Bytes read and not yet used: the start of the next request.
    private var unread = ByteBuffer()
    /// The next request's head once it is read (its body may still be arriving), or how far
    /// its bytes were searched for the head's end.
    private var head: HTTP1RequestReader.Head?
    private var scanned = 0
    /// Requests given to the router whose answers have not ended yet: the lane takes none
    /// until they have, so answers leave in the order requests came (HTTP/1.1 pipelining).
    private var withRouter = 0
    private var held: [Held] = []
    private var readWanted = false
    let bodyLimit: Int
    /// Whether the lane answers this request (`FastLane.Route.takes`).
    let takes: (HTTP1RequestReader.Request) -> Bool

    init(bodyLimit: Int, takes: @escaping (HTTP1RequestReader.Request) -> Bool) {
        self.bodyLimit = bodyLimit
        self.takes = takes
    }

    /// A request waits behind the lane's answer (a pipelining client): reading pauses, so what
    /// waits stays within one read. Pausing on every answer would cost two `epoll_ctl` calls
    /// per request (it showed at 2% of the balancer's CPU).
    private var mustPauseReading: Bool { phase == .answering && unread.readableBytes > 0 }

    mutating func received(_ bytes: ByteBuffer) -> [Action] {
        switch phase {
        case .routerOnly:
            return [.forward(bytes)]
        case .closing:
            return []
        case .answering:
            keep(bytes)
            return []
        case .reading:
            keep(bytes)
            let actions = readRequests()
            return actions + releaseHeld()
        }
    }

    private mutating func keep(_ bytes: ByteBuffer) {
        if unread.readableBytes == 0 {
            unread = bytes
        } else {
            // Bytes already used are dropped first, so a connection's buffer holds only what waits.
            if unread.readerIndex > 0 { unread.discardReadBytes() }
            var bytes = bytes
            unread.writeBuffer(&bytes)
        }
    }

    /// The requests whole in `unread`, each to the lane or to the router, until the lane answers one.
    private mutating func readRequests() -> [Action] {
        var actions: [Action] = []
        while phase == .reading, unread.readableBytes > 0 {
            if head == nil {
                // Empty lines before a request are passed over (RFC 9112 section 2.2).
                while unread.readableBytesView.starts(with: [UInt8(ascii: "\r"), UInt8(ascii: "\n")]) {
                    unread.moveReaderIndex(forwardBy: 2)
                }
                switch HTTP1RequestReader.head(in: unread, scanned: scanned, bodyLimit: bodyLimit) {
                case .incomplete(let searched):
                    scanned = searched
                    return actions
                case .unframed:
                    phase = .routerOnly
                    actions.append(.forward(takeUnread()))
                    continue
                case .head(let read):
                    head = read
                }
            }
            guard let next = head, unread.readableBytes >= next.length + next.bodyLength else { return actions }
            head = nil
            scanned = 0
            let bytes = unread.readSlice(length: next.length + next.bodyLength)!
            let request = HTTP1RequestReader.Request(
                head: next, body: bytes.getSlice(at: bytes.readerIndex + next.length, length: next.bodyLength)!)
            if withRouter == 0, takes(request) {
                phase = .answering
                actions.append(.answer(request))
            } else {
                withRouter += 1
                actions.append(.forward(bytes))
                // Hummingbird closes after answering it: what follows is never the lane's.
                if !request.head.keepAlive {
                    phase = .routerOnly
                    if unread.readableBytes > 0 { actions.append(.forward(takeUnread())) }
                }
            }
        }
        return actions
    }

    /// The router answered with `Connection: close` (as it does after a request its decoder
    /// refused): it closes the connection, so nothing more is the lane's.
    mutating func routerCloses() -> [Action] {
        guard phase == .reading else { return [] }
        phase = .routerOnly
        var actions: [Action] = unread.readableBytes > 0 ? [.forward(takeUnread()), .forwardReadComplete] : []
        actions += releaseHeld()
        return actions
    }

    private mutating func takeUnread() -> ByteBuffer {
        defer {
            unread = ByteBuffer()
            head = nil
            scanned = 0
        }
        return unread
    }

    mutating func caught(_ error: any Error) -> Action? {
        guard phase == .answering else { return .forwardError(error) }
        held.append(.error(error))
        return nil
    }

    /// Shutdown (`isEndOfInput` false) waits for the answer in progress and for a request
    /// partly read; the end of the client's input waits for the answer, then gives the router a
    /// partly read request (which can never be finished) before the event.
    mutating func event(_ event: Any, closesConnection: Bool, isEndOfInput: Bool) -> [Action] {
        guard closesConnection, phase == .answering || phase == .reading else { return [.forwardEvent(event)] }
        held.append(.event(event, isEndOfInput: isEndOfInput))
        return releaseHeld()
    }

    /// At the end of input, a partly read request goes to the router, which reports it broken.
    private mutating func endOfInput() -> [Action] {
        guard phase == .reading, unread.readableBytes > 0 else { return [] }
        phase = .routerOnly
        return [.forward(takeUnread()), .forwardReadComplete]
    }

    /// Errors and events that waited, in order, once nothing holds them: no answer in progress,
    /// and (for shutdown) no request partly read that more bytes could still finish. After the
    /// end of input no more bytes come, so a partly read request goes to the router first.
    private mutating func releaseHeld() -> [Action] {
        guard phase != .answering, !held.isEmpty else { return [] }
        var actions: [Action] = []
        if held.contains(where: { if case .event(_, isEndOfInput: true) = $0 { true } else { false } }) {
            actions += endOfInput()
        }
        while let next = held.first {
            if case .event(_, isEndOfInput: false) = next, phase == .reading, unread.readableBytes > 0 { break }
            held.removeFirst()
            switch next {
            case .error(let error): actions.append(.forwardError(error))
            case .event(let event, _): actions.append(.forwardEvent(event))
            }
        }
        return actions
    }

    /// Whether the connection is the lane's alone for now: no request of it is with the router,
    /// its bytes are not all the router's, and the lane's answer does not close it.
    var readsAlone: Bool { (phase == .reading || phase == .answering) && withRouter == 0 }

    /// Whether to pass a read on now; if not, it is made once reading may go on. Reading also
    /// pauses while answers cannot be written (a client that does not read them).
    mutating func readRequested(writable: Bool) -> Bool {
        guard mustPauseReading || !writable else { return true }
        readWanted = true
        return false
    }

    /// Whether to read now that the channel's writability changed.
    mutating func writabilityChanged(writable: Bool) -> Bool {
        guard writable, readWanted, !mustPauseReading else { return false }
        readWanted = false
        return true
    }

    /// An answer of the router's went out whole.
    mutating func routerAnswerEnded() {
        withRouter = max(0, withRouter - 1)
    }

    /// The lane's answer is written (and the connection closes with it when `closing`): the
    /// requests that waited, then errors and events in order, then reading if it was asked for.
    /// Shutdown waits on while another lane request is answered or partly read.
    mutating func answerWritten(closing: Bool, writable: Bool) -> [Action] {
        guard !closing else {
            phase = .closing
            return []
        }
        phase = .reading
        var actions = readRequests()
        if actions.contains(where: { if case .forward = $0 { true } else { false } }) { actions.append(.forwardReadComplete) }
        actions += releaseHeld()
        if readWanted, !mustPauseReading, writable {
            readWanted = false
            actions.append(.read)
        }
        return actions
    }
}

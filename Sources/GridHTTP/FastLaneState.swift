import NIOCore
import NIOHTTP1

/// What `FastLane` does with each thing that happens on its connection, decided without the
/// connection: which requests the lane takes and which the router gets, what waits behind the
/// lane's answer, when reading pauses. The handler carries out the actions it returns.
struct FastLaneState {
    enum Phase {
        case idle
        /// The parts of a request the router has, until its end.
        case forwarding
        case collecting(HTTPRequestHead, ByteBuffer)
        case answering
        /// A 413 went out; the connection closes and nothing more is read.
        case closing
    }

    /// What came in while the lane answered, given on in order once it has.
    enum Held {
        case part(HTTPServerRequestPart)
        /// From the decoder: the router answers it (a 400) and closes, after the lane's answer.
        case error(any Error)
        /// Shutdown or the client's end of input: the router would close the connection at once,
        /// with the lane's answer unwritten.
        case event(Any)
    }

    enum Action {
        /// Give the router this part.
        case forward(HTTPServerRequestPart)
        /// Compute the lane's answer to this request and write it.
        case answer(HTTPRequestHead, ByteBuffer)
        /// Answer 413 and close: a chunked body grew past the limit.
        case refuseOverLimit
        case forwardError(any Error)
        case forwardEvent(Any)
        /// Parts were given to the router after the fact: they reach it with a read's completion.
        case forwardReadComplete
        /// Ask the channel for more bytes: reading had paused.
        case read
    }

    private(set) var phase = Phase.idle
    /// Requests given to the router whose answers have not ended yet.
    private var withRouter = 0
    /// The router was given a request after which it closes the connection: the lane takes no more.
    private var routerCloses = false
    private var held: [Held] = []
    private var readWanted = false
    let bodyLimit: Int
    /// Whether the lane takes a request with this head (`FastLane.Route.takes`).
    let takes: (HTTPRequestHead) -> Bool

    init(bodyLimit: Int, takes: @escaping (HTTPRequestHead) -> Bool) {
        self.bodyLimit = bodyLimit
        self.takes = takes
    }

    var isAnswering: Bool {
        if case .answering = phase { return true }
        return false
    }

    private var isBusy: Bool {
        switch phase {
        case .collecting, .answering: true
        default: false
        }
    }

    /// A request waits behind the lane's answer (a pipelining client): reading pauses, so what
    /// is held stays within one read. Pausing on every answer would cost two `epoll_ctl` calls
    /// per request (it showed at 2% of the balancer's CPU).
    private var mustPauseReading: Bool { isAnswering && !held.isEmpty }

    mutating func received(_ part: HTTPServerRequestPart) -> Action? {
        switch phase {
        case .answering:
            held.append(.part(part))
            return nil
        case .closing:
            return nil
        default:
            return take(part)
        }
    }

    private mutating func take(_ part: HTTPServerRequestPart) -> Action? {
        switch (phase, part) {
        case (.closing, _):
            return nil
        case (.idle, .head(let head)) where withRouter == 0 && !routerCloses && takes(head):
            phase = .collecting(head, ByteBuffer())
            return nil
        case (.idle, .head(let head)):
            withRouter += 1
            // Hummingbird closes after answering a request that asks it to.
            if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) { routerCloses = true }
            phase = .forwarding
            return .forward(part)
        case (.forwarding, .end):
            phase = .idle
            return .forward(part)
        case (.collecting(let head, var body), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= bodyLimit else {
                phase = .closing
                return .refuseOverLimit
            }
            phase = .idle  // drop the buffer's other reference before appending (no copy)
            body.writeBuffer(&chunk)
            phase = .collecting(head, body)
            return nil
        case (.collecting(let head, let body), .end):
            phase = .answering
            return .answer(head, body)
        default:
            // Forwarding, or parts the router must judge (a body without a head): its to answer.
            return .forward(part)
        }
    }

    mutating func caught(_ error: any Error) -> Action? {
        switch phase {
        case .answering:
            held.append(.error(error))
            return nil
        case .collecting:
            // The request the lane was reading is broken: the router answers the error.
            phase = .idle
            return .forwardError(error)
        default:
            return .forwardError(error)
        }
    }

    /// `closesConnection`: shutdown, or the end of the client's input.
    mutating func event(_ event: Any, closesConnection: Bool) -> Action? {
        if closesConnection, isBusy || !held.isEmpty {
            held.append(.event(event))
            return nil
        }
        return .forwardEvent(event)
    }

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

    /// The lane's answer is written (and the connection closes with it when `closing`): what
    /// waited, in order, then reading if it was asked for. An event that would close the
    /// connection waits on while another lane request is being read.
    mutating func answerWritten(closing: Bool, writable: Bool) -> [Action] {
        guard !closing else {
            phase = .closing
            return []
        }
        phase = .idle
        var actions: [Action] = []
        var replayed = false
        while let next = held.first, !isAnswering {
            if case .event = next, isBusy { break }
            held.removeFirst()
            switch next {
            case .part(let part):
                replayed = true
                if let action = take(part) { actions.append(action) }
            case .error(let error):
                if let action = caught(error) { actions.append(action) }
            case .event(let event):
                actions.append(.forwardEvent(event))
            }
        }
        if replayed { actions.append(.forwardReadComplete) }
        if readWanted, !mustPauseReading, writable {
            readWanted = false
            actions.append(.read)
        }
        return actions
    }
}

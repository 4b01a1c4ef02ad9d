import NIOConcurrencyHelpers
import NIOCore

/// The keep-alive links a `KeepAliveClient` holds, per endpoint: at most `maxLinks` open at once
/// (as async-http-client's pool capped them), idle ones reused last-in first-out, and requests
/// that find every link busy waiting in line for one until their deadline.
final class LinkPool: Sendable {
    /// What a request may use: an idle link, or a slot to open a new one.
    enum Grant: Sendable {
        case link(Link)
        case connect
    }

    private struct IdleLink {
        var link: Link
        var since: NIODeadline
    }

    private struct Waiter {
        var id: Int
        var grant: EventLoopPromise<Grant>
    }

    private struct State {
        var idle: [HTTPEndpoint: [IdleLink]] = [:]
        /// Links made (or being made) and not closed yet.
        var open: [HTTPEndpoint: Int] = [:]
        var waiters: [HTTPEndpoint: [Waiter]] = [:]
        var nextWaiter = 0
        var lastSweep = NIODeadline.now()
        var shutDown = false
    }

    let maxLinks: Int
    let idleTimeout: TimeAmount
    private let state = NIOLockedValueBox(State())

    init(maxLinks: Int, idleTimeout: TimeAmount) {
        self.maxLinks = maxLinks
        self.idleTimeout = idleTimeout
    }

    /// An idle link (one on `loop` first: no thread hop), else a slot for a new link, else a
    /// place in line until one of those frees or `deadline` passes (`.timedOut`; nothing sent).
    nonisolated(nonsending) func acquire(_ endpoint: HTTPEndpoint, deadline: NIODeadline, loop: any EventLoop) async throws(UpstreamFailure)
        -> Grant
    {
        var stale: [Link] = []
        defer { for link in stale { link.channel.close(promise: nil) } }
        let now = NIODeadline.now()
        guard now < deadline else { throw .timedOut }
        let (granted, inLine): (Grant?, Waiter?) = state.withLockedValue { state in
            if let link = takeIdle(endpoint, preferring: loop, now: now, from: &state, stale: &stale) { return (.link(link), nil) }
            if state.open[endpoint, default: 0] < maxLinks {
                state.open[endpoint, default: 0] += 1
                return (.connect, nil)
            }
            state.nextWaiter += 1
            let waiter = Waiter(id: state.nextWaiter, grant: loop.makePromise(of: Grant.self))
            state.waiters[endpoint, default: []].append(waiter)
            return (nil, waiter)
        }
        if let granted { return granted }
        guard let waiter = inLine else { throw .unreachable("the link pool gave neither a link nor a place in line") }
        let timeout = loop.scheduleTask(deadline: deadline) { [self] in
            if leaveLine(endpoint, id: waiter.id) { waiter.grant.fail(UpstreamFailure.timedOut) }
        }
        defer { timeout.cancel() }
        do {
            return try await waiter.grant.futureResult.get()
        } catch {
            throw (error as? UpstreamFailure) ?? .unreachable(String(describing: error))
        }
    }

    /// An idle link to `endpoint` on `loop`, else a slot for a new link; nil when neither is
    /// free (nothing reserved). Idle links on other loops are left to `acquire`: for a caller
    /// that sends at once from `loop` and is answered there (`KeepAliveClient.sendNow`).
    func grantNow(_ endpoint: HTTPEndpoint, on loop: any EventLoop) -> Grant? {
        var stale: [Link] = []
        defer { for link in stale { link.channel.close(promise: nil) } }
        let now = NIODeadline.now()
        return state.withLockedValue { state in
            if let link = takeIdle(endpoint, on: ObjectIdentifier(loop), now: now, from: &state, stale: &stale) { return .link(link) }
            guard state.open[endpoint, default: 0] < maxLinks, state.waiters[endpoint]?.isEmpty ?? true else { return nil }
            state.open[endpoint, default: 0] += 1
            return .connect
        }
    }

    /// A link whose last answer came whole and may carry another request: to the first request
    /// in line, else kept idle.
    func release(_ link: Link, endpoint: HTTPEndpoint) {
        var closing: [any Channel] = []
        var handedTo: Waiter?
        defer {
            for channel in closing { channel.close(promise: nil) }
            handedTo?.grant.succeed(.link(link))
        }
        let now = NIODeadline.now()
        state.withLockedValue { state in
            if state.shutDown || !link.channel.isActive {
                closing.append(link.channel)
            } else if let waiter = state.waiters[endpoint]?.first {
                state.waiters[endpoint]!.removeFirst()
                handedTo = waiter
            } else {
                state.idle[endpoint, default: []].append(IdleLink(link: link, since: now))
            }
            sweep(now: now, state: &state, closing: &closing)
        }
    }

    /// A link closed, or could not be made: its slot goes to the first request in line.
    func slotFreed(_ endpoint: HTTPEndpoint) {
        let waiter: Waiter? = state.withLockedValue { state in
            if let waiter = state.waiters[endpoint]?.first {
                state.waiters[endpoint]!.removeFirst()
                return waiter  // the slot passes on: the count stays
            }
            state.open[endpoint, default: 1] -= 1
            if state.open[endpoint] == 0 { state.open[endpoint] = nil }
            return nil
        }
        waiter?.grant.succeed(.connect)
    }

    /// Closes every idle link; links in use are closed when they come back.
    func shutdown() {
        let idle = state.withLockedValue { state in
            state.shutDown = true
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0 }
        }
        for idle in idle { idle.link.channel.close(promise: nil) }
    }

    func idleLinksOpen(to endpoint: HTTPEndpoint) -> Int {
        state.withLockedValue { $0.idle[endpoint]?.filter { $0.link.channel.isActive }.count ?? 0 }
    }

    private func takeIdle(
        _ endpoint: HTTPEndpoint, preferring loop: any EventLoop, now: NIODeadline, from state: inout State,
        stale: inout [Link]
    ) -> Link? {
        if let link = takeIdle(endpoint, on: ObjectIdentifier(loop), now: now, from: &state, stale: &stale) { return link }
        while let idle = state.idle[endpoint]?.popLast() {
            if isUsable(idle, now: now) { return idle.link }
            stale.append(idle.link)
        }
        return nil
    }

    /// The most recently idle usable link to `endpoint` on `loop`; the stale ones met on the way
    /// are taken out, for the caller to close.
    private func takeIdle(
        _ endpoint: HTTPEndpoint, on loop: ObjectIdentifier, now: NIODeadline, from state: inout State, stale: inout [Link]
    ) -> Link? {
        while let index = state.idle[endpoint]?.lastIndex(where: { $0.link.loop == loop }) {
            let idle = state.idle[endpoint]!.remove(at: index)
            if isUsable(idle, now: now) { return idle.link }
            stale.append(idle.link)
        }
        return nil
    }

    private func isUsable(_ idle: IdleLink, now: NIODeadline) -> Bool {
        idle.link.channel.isActive && now - idle.since < idleTimeout
    }

    /// True when the waiter was still in line (so its grant is the caller's to fail).
    private func leaveLine(_ endpoint: HTTPEndpoint, id: Int) -> Bool {
        state.withLockedValue { state in
            guard let index = state.waiters[endpoint]?.firstIndex(where: { $0.id == id }) else { return false }
            state.waiters[endpoint]!.remove(at: index)
            return true
        }
    }

    /// Now and then, closes what went stale everywhere (endpoints that went away, for one).
    private func sweep(now: NIODeadline, state: inout State, closing: inout [any Channel]) {
        guard now - state.lastSweep > idleTimeout else { return }
        state.lastSweep = now
        for (endpoint, idle) in state.idle {
            let live = idle.filter { isUsable($0, now: now) }
            closing += idle.filter { !isUsable($0, now: now) }.map(\.link.channel)
            state.idle[endpoint] = live.isEmpty ? nil : live
        }
    }
}

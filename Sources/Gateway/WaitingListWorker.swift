import AsyncAlgorithms
import Foundation
import GridCore
import GridHTTP
import Logging
import ServiceLifecycle

/// Admits waiting cars first come, first served, as soon as room frees: every quarter second it
/// ends the waits that ran out, then places the car at the head of the line through the
/// balancer (whose routing policy chooses the substation), and the next, until one finds no room.
struct WaitingListWorker: Service {
    let waitingList: WaitingList
    let balancer: any BalancerClient
    let undo: UndoQueue
    let logger: Logger
    let interval: Duration
    let now: @Sendable () -> Double

    func run() async throws {
        for await _ in AsyncTimerSequence(interval: interval, clock: .continuous).cancelOnGracefulShutdown() {
            await admitWhatFits()
        }
    }

    /// How long after an attempt began its order may still land (the gateway's wait for the balancer).
    let fateWindowSeconds: Double

    /// One round: expire, then place from the head while there is room.
    func admitWhatFits() async {
        for gone in await waitingList.expire(now: now()) where gone.placing {
            // Its last attempt may have landed: withdraw it everywhere, so nobody charges untold.
            await undo.undoNow(sessionId: gone.orderId, at: "balancer")
        }
        while let head = await waitingList.nextHead(now: now()) {
            guard await place(head) else { return }
        }
    }

    /// Places one waiting car; whether the line may move on to the next.
    private func place(_ entry: WaitingLine.Entry) async -> Bool {
        if entry.placing {
            // An earlier attempt's fate is unknown: wait until it can no longer land, then look for it.
            if let since = entry.placingSince, now() - since < fateWindowSeconds { return false }
            switch await lookUp(entry.orderId) {
            case .landed(let location): return await admitted(entry, at: location)
            case .nowhere: break
            case .unknown: return false
            }
        }
        do {
            try await waitingList.markPlacing(entry.orderId, at: now())
        } catch {
            logger.warning("could not record an attempt to place a waiting car", metadata: ["id": "\(entry.orderId)"])
            return false
        }
        let answer: UpstreamResponse
        do throws(UpstreamFailure) {
            answer = try await balancer.route(SessionOrder(id: entry.orderId, request: entry.request))
        } catch {
            return false  // fate unknown: the next round looks for it first
        }
        switch answer.status {
        case 201:
            guard let session = SessionPlacement(json: answer.body) else { return false }
            return await admitted(entry, at: SessionLocation(substationId: session.substationId))
        case 503:
            // No room yet, and nothing booked: the head keeps its place, with nothing to look for.
            try? await waitingList.clearPlacing(entry.orderId)
            return false
        case 400...499:
            // The request itself was refused (it was valid when it joined): it cannot wait for room.
            logger.warning("a waiting car's order was refused", metadata: ["id": "\(entry.orderId)", "status": "\(answer.status)"])
            return (try? await waitingList.cancel(entry.orderId, now: now())) != nil
        default:
            return false  // 5xx from the balancer or a proxy: fate unknown, looked for next round
        }
    }

    private func admitted(_ entry: WaitingLine.Entry, at location: SessionLocation) async -> Bool {
        do {
            if try await waitingList.admit(entry, at: location, now: now()) { return true }
            // The driver left (or the wait ran out) while the order was placed: undo the booking.
            await undo.undoNow(sessionId: entry.orderId, at: "balancer")
            return true
        } catch {
            logger.warning("could not record a waiting car's admission", metadata: ["id": "\(entry.orderId)"])
            return false  // still marked placing: the next round finds the session and records it
        }
    }

    enum Lookup {
        case landed(SessionLocation)
        case nowhere
        case unknown
    }

    private func lookUp(_ orderId: String) async -> Lookup {
        guard let answer = try? await balancer.order(.GET, orderId) else { return .unknown }
        switch answer.status {
        case 200:
            guard let session = SessionPlacement(json: answer.body) else { return .unknown }
            return session.status == .cancelled ? .nowhere : .landed(SessionLocation(substationId: session.substationId))
        case 404: return .nowhere
        default: return .unknown
        }
    }
}

import Foundation
import GridCore
import GridHTTP
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

@testable import Balancer

/// Substations that answer as a test tells them, and remember what they were asked.
final class FakeSubstations: SubstationClient {
    enum Behaviour: Sendable {
        case admit, refuse, serverError, refuseConnection, timeOut, garbageMetrics
        /// A proxy in front of the substation answers 502: the order may or may not have landed.
        case badGateway
        /// Its metrics say every point is taken, and it refuses orders.
        case full
        /// The order times out, and then the substation cannot be asked anything (it died).
        case timeOutThenVanish
    }

    /// How `orderNow` (the dispatch that stays on the event loop) behaves.
    enum Prompt: Sendable {
        /// It cannot send (no idle link): the order goes through `order`.
        case unavailable
        /// It sends, and the substation answers as `order` would, from inside the call.
        case answers
        /// As `answers`, but the answer comes afterwards, from the caller's event loop (as a
        /// link's read would bring it).
        case answersLater
        /// The link it took was closed: nothing sent.
        case notSent
    }

    struct Record: Sendable {
        var behaviours: [String: Behaviour]
        var loads: [String: Double]
        var prompt: Prompt
        var orders: [String] = []
        /// The orders of `orders` that went through `orderNow`.
        var promptOrders: [String] = []
        var cancels: [String] = []
    }

    let record: Mutex<Record>

    init(loads: [String: Double], behaviours: [String: Behaviour] = [:], prompt: Prompt = .unavailable) {
        record = Mutex(Record(behaviours: behaviours, loads: loads, prompt: prompt))
    }

    var orders: [String] { record.withLock { $0.orders } }
    var promptOrders: [String] { record.withLock { $0.promptOrders } }
    var cancels: [String] { record.withLock { $0.cancels } }

    func set(_ url: String, _ behaviour: Behaviour) {
        record.withLock { $0.behaviours[url] = behaviour }
    }

    private func behaviour(_ url: String) -> Behaviour {
        record.withLock { $0.behaviours[url] ?? .admit }
    }

    func scrapeMetrics(_ url: String, timeout: Duration) async throws(UpstreamFailure) -> String {
        switch behaviour(url) {
        case .refuseConnection: throw .refused
        case .timeOut, .timeOutThenVanish: throw .timedOut
        case .garbageMetrics: return "<html>not metrics</html>"
        default: break
        }
        let id = String(url.split(separator: "/").last!)
        let load = record.withLock { $0.loads[url] ?? 0 }
        let active = behaviour(url) == .full ? 20 : 0
        return """
            substation_load{substation="\(id)"} \(load)
            substation_capacity_watts{substation="\(id)"} 400000
            substation_power_watts{substation="\(id)"} \(load * 400_000)
            substation_active_sessions{substation="\(id)"} \(active)
            substation_charging_points{substation="\(id)"} 20
            """
    }

    nonisolated(nonsending) func order(_ order: SessionOrder, at url: String, timeout: Duration) async throws(UpstreamFailure)
        -> UpstreamResponse
    {
        record.withLock { $0.orders.append(url) }
        return try answer(to: order, at: url).get()
    }

    func orderNow(
        _ order: SessionOrder, at url: String, timeout: Duration, answer: @escaping @Sendable (KeepAliveClient.PromptAnswer) -> Void
    ) -> Bool {
        let prompt = record.withLock { record in
            if record.prompt == .answers || record.prompt == .answersLater {
                record.orders.append(url)
                record.promptOrders.append(url)
            }
            return record.prompt
        }
        switch prompt {
        case .unavailable:
            return false
        case .notSent:
            answer(.notSent)
        case .answers:
            answer(self.promptAnswer(self.answer(to: order, at: url)))
        case .answersLater:
            guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return false }
            let result = self.answer(to: order, at: url)
            loop.execute { answer(self.promptAnswer(result)) }
        }
        return true
    }

    private func promptAnswer(_ result: Result<UpstreamResponse, UpstreamFailure>) -> KeepAliveClient.PromptAnswer {
        switch result {
        case .success(let response): .answered(response)
        case .failure(let failure): .failed(failure)
        }
    }

    private func answer(to order: SessionOrder, at url: String) -> Result<UpstreamResponse, UpstreamFailure> {
        switch behaviour(url) {
        case .admit, .garbageMetrics:
            let id = String(url.split(separator: "/").last!)
            let body =
                #"{"id":"\#(order.id)","vehicleId":"\#(order.request.vehicleId)","substationId":"\#(id)","status":"charging","energyRequestedKWh":\#(order.request.energyKWh),"energyDeliveredKWh":0,"powerKW":11,"createdAt":"2026-01-01T00:00:00Z"}"#
            return .success(UpstreamResponse(status: 201, body: ByteBuffer(string: body)))
        case .badGateway:
            return .success(UpstreamResponse(status: 502, body: ByteBuffer(string: "<html>bad gateway</html>")))
        case .refuse, .full:
            return .success(UpstreamResponse(status: 409, body: ByteBuffer(string: #"{"status":409}"#)))
        case .serverError:
            return .success(UpstreamResponse(status: 500, body: ByteBuffer(string: "")))
        case .refuseConnection:
            return .failure(.refused)
        case .timeOut, .timeOutThenVanish:
            return .failure(.timedOut)
        }
    }

    func session(_ method: HTTPMethod, id: String, at url: String, timeout: Duration) async throws(UpstreamFailure) -> UpstreamResponse {
        if method == .DELETE {
            guard await cancel(sessionId: id, at: url, timeout: timeout) else { throw .refused }
        }
        return UpstreamResponse(status: 404, body: ByteBuffer(string: #"{"status":404}"#))
    }

    /// Recorded; answered unless the substation cannot be asked (refusing connections, or vanished).
    func cancel(sessionId: String, at url: String, timeout: Duration) async -> Bool {
        record.withLock { record in
            record.cancels.append(url)
            let behaviour = record.behaviours[url]
            return behaviour != .refuseConnection && behaviour != .timeOutThenVanish
        }
    }
}

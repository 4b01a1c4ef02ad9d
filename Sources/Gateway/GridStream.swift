import Foundation
import GridHTTP
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// Charge requests the gateway has answered 201 and 503, for the dashboard's per-second rates.
final class AnswerTally: Sendable {
    private let counts = Mutex<(admitted: Int, rejected: Int)>((0, 0))

    func count(status: Int) {
        counts.withLock { counts in
            if status == 201 { counts.admitted += 1 }
            if status == 503 { counts.rejected += 1 }
        }
    }

    var current: (admitted: Int, rejected: Int) { counts.withLock { $0 } }
}

/// One frame of `GET /api/v1/grid/stream`.
struct GridFrame: Codable, Sendable {
    var time: String
    /// False when the balancer could not be asked: the page says so and keeps the last picture.
    var balancerReachable: Bool
    var policy: String?
    var substations: [GridSummary.Substation]
    var recentDecisions: [GridSummary.Decision]
    /// Since the gateway started.
    var admittedTotal: Int
    var rejectedTotal: Int
    /// Cars in the waiting list now.
    var waiting: Int
}

/// `GET /api/v1/grid/stream`: Server-Sent Events, first one `history` event with the last five
/// minutes (as `GET /api/v1/grid/history`), then one `grid` event a second with the whole grid.
/// Each stream ends after `lifetime` (browsers reconnect by themselves) or on shutdown, so a
/// graceful stop never waits on an open dashboard.
struct GridStream: Sendable {
    let balancer: any BalancerClient
    let tally: AnswerTally
    let history: GridHistoryRecorder
    let waitingList: WaitingList
    var interval: Duration = .seconds(1)
    var lifetime: Duration = .seconds(300)

    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            let start = ContinuousClock.now
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            let past = (try? WireJSON.encoder.encode(history.current)) ?? Data("{}".utf8)
            try await writer.write(ByteBuffer(string: "event: history\ndata: " + String(decoding: past, as: UTF8.self) + "\n\n"))
            while !Task.isCancelled && !Task.isShuttingDownGracefully && ContinuousClock.now - start < lifetime {
                let frame = await frame()
                let data = (try? WireJSON.encoder.encode(frame)) ?? Data("{}".utf8)
                try await writer.write(ByteBuffer(string: "event: grid\ndata: " + String(decoding: data, as: UTF8.self) + "\n\n"))
                try? await Task.sleep(for: interval)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    func frame() async -> GridFrame {
        let counts = tally.current
        let time = Date().formatted(.iso8601)
        guard let answer = try? await balancer.substations(), answer.status == 200,
            let view = try? WireJSON.decoder.decode(GridSummary.self, from: answer.data)
        else {
            return GridFrame(
                time: time, balancerReachable: false, policy: nil, substations: [], recentDecisions: [],
                admittedTotal: counts.admitted, rejectedTotal: counts.rejected, waiting: waitingList.count)
        }
        return GridFrame(
            time: time, balancerReachable: true, policy: view.policy, substations: view.substations,
            recentDecisions: view.recentDecisions ?? [], admittedTotal: counts.admitted, rejectedTotal: counts.rejected,
            waiting: waitingList.count)
    }
}

import Foundation
import GridCore
import GridHTTP

/// A charge request in (or out of) the waiting list, as `POST` (202) and `GET` show it.
struct QueuedChargeRequest: Codable, Equatable, Sendable {
    var id: String
    var vehicleId: String
    /// `queued`, `expired` or `cancelled` (an admitted car shows its session instead).
    var status: String
    /// 1 is next; absent once the car has left the line.
    var queuePosition: Int?
    /// When a point is expected to free for it (RFC 3339); absent when nothing charging now is
    /// expected to end within a day, or once the car has left the line.
    var estimatedStartAt: String?
    /// Until when the driver waits (RFC 3339).
    var waitUntil: String
    var energyRequestedKWh: Double
    var energyDeliveredKWh: Double = 0
    var powerKW: Double = 0
    var createdAt: String

    init(_ entry: WaitingLine.Entry, status: String, position: Int?, estimatedStartAt: Double?) {
        id = entry.orderId
        vehicleId = entry.request.vehicleId
        self.status = status
        queuePosition = position
        self.estimatedStartAt = estimatedStartAt.map(Self.timestamp)
        waitUntil = Self.timestamp(entry.waitUntil)
        energyRequestedKWh = entry.request.energyKWh
        createdAt = Self.timestamp(entry.enqueuedAt)
    }

    static func timestamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601)
    }
}

/// When points free, from the session endings the substations export (through the balancer's view).
struct StartEstimate: Sendable {
    let balancer: any BalancerClient

    /// Real seconds until the `position`-th point frees on substations that take cars; nil when unknown.
    func secondsUntilFree(position: Int) async -> Double? {
        guard let answer = try? await balancer.substations(), answer.status == 200,
            let grid = try? WireJSON.decoder.decode(GridSummary.self, from: answer.data)
        else { return nil }
        let endings = grid.substations
            .filter { $0.up && $0.drained != true && $0.retired != true }
            .compactMap { $0.sessionsEndingWithin.flatMap(SessionEndings.init(byHorizon:)) }
        guard !endings.isEmpty else { return nil }
        return endings.reduce(SessionEndings(), +).secondsUntilFree(position: position)
    }
}

import AsyncAlgorithms
import Foundation
import GridHTTP
import ServiceLifecycle
import Synchronization

/// Samples the grid from the balancer every `history.intervalSeconds` into a `GridHistory`, for
/// dashboards opened later. A balancer that cannot be asked leaves a gap, nothing more.
public final class GridHistoryRecorder: Service, Sendable {
    let balancer: any BalancerClient
    private let history: Mutex<GridHistory>

    init(balancer: any BalancerClient, history: GridHistory = GridHistory()) {
        self.balancer = balancer
        self.history = Mutex(history)
    }

    var current: GridHistory { history.withLock { $0 } }

    public func run() async throws {
        let interval = Duration.milliseconds(Int(current.intervalSeconds * 1000))
        await sample()
        for await _ in AsyncTimerSequence(interval: interval, clock: .continuous).cancelOnGracefulShutdown() {
            await sample()
        }
    }

    func sample() async {
        guard let answer = try? await balancer.substations(), answer.status == 200,
            let grid = try? WireJSON.decoder.decode(GridSummary.self, from: answer.data)
        else { return }
        let now = Date().timeIntervalSince1970
        history.withLock { $0.record(grid, at: now) }
    }
}

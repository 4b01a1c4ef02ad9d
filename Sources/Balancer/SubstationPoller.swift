import AsyncAlgorithms
import GridCore
import GridHTTP
import Logging
import ServiceLifecycle

/// Reads every substation's load every poll interval and folds it into the load view.
/// Garbage or silence is a failed read, never a crash.
struct SubstationPoller: Service {
    let state: BalancerState
    let reader: any LoadReader
    let metrics: BalancerMetrics
    let configuration: BalancerConfiguration
    let logger: Logger

    func run() async throws {
        await pollOnce()
        let interval = Duration.milliseconds(Int(configuration.pollInterval * 1000))
        for await _ in AsyncTimerSequence(interval: interval, clock: .continuous).cancelOnGracefulShutdown() {
            await pollOnce()
        }
    }

    func pollOnce() async {
        let urls = state.withView { $0.substations.map(\.url) }
        let state = self.state
        let results = await reader.read(urls, now: { state.now })
        for (index, result) in results.enumerated() {
            apply(result, to: index)
        }
        metrics.update(from: state.view, policy: state.policy)
    }

    private func apply(_ result: Result<LoadReading, LoadReadFailure>, to index: Int) {
        let now = state.now
        switch result {
        case .success(let reading):
            let ticket = LoadView.ScrapeTicket(substation: index, takenAt: reading.takenAt)
            let (action, url) = state.withView { view in
                (view.scrapeSucceeded(ticket, figures: reading.figures, at: now), view.substations[index].url)
            }
            if action == .markedUp {
                logger.info("substation up", metadata: ["substation": "\(reading.figures.substationId)", "url": "\(url)"])
            }
        case .failure(let failure):
            let ticket = LoadView.ScrapeTicket(substation: index, takenAt: now)
            let (action, label) = state.withView { view in
                (view.scrapeFailed(ticket, refused: failure.refused), view.substations[index].id ?? view.substations[index].url)
            }
            metrics.scrapeFailed(substation: label)
            if action == .markedDown {
                logger.warning("substation down", metadata: ["substation": "\(label)", "error": "\(failure.reason)"])
            }
        }
    }
}

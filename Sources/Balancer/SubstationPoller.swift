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
        // Vacant slots (retired addresses nothing needs) are not scraped.
        let targets = state.withView { view in
            view.substations.indices.filter { !view.substations[$0].vacant }.map { ($0, view.substations[$0].url) }
        }
        let state = self.state
        let results = await reader.read(targets.map(\.1), now: { state.now })
        for ((index, url), result) in zip(targets, results) {
            apply(result, to: index, url: url)
        }
        metrics.update(from: state.view, policy: state.policy)
    }

    private func apply(_ result: Result<LoadReading, LoadReadFailure>, to index: Int, url: String) {
        let now = state.now
        // Discovery may have vacated or reused the slot while the scrape ran: its figures are then no one's.
        guard state.withView({ !$0.substations[index].vacant && $0.substations[index].url == url }) else { return }
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

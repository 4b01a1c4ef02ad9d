import AsyncAlgorithms
import GridCore
import GridHTTP
import Logging
import ServiceLifecycle

/// Scrapes every substation's `/metrics` every poll interval, all at once, each with a timeout.
/// Garbage or silence is a failed scrape, never a crash.
struct SubstationPoller: Service {
    let state: BalancerState
    let client: any SubstationClient
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
        let count = state.withView { $0.substations.count }
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask { await scrape(index) }
            }
        }
        metrics.update(from: state.view)
    }

    private func scrape(_ index: Int) async {
        let ticket = LoadView.ScrapeTicket(substation: index, takenAt: state.now)
        let url = state.withView { $0.substations[index].url }
        do {
            let text = try await client.scrapeMetrics(url, timeout: configuration.scrapeTimeout)
            let figures = try ScrapedFigures.read(exposition: text)
            let action = state.withView { $0.scrapeSucceeded(ticket, figures: figures, at: state.now) }
            if action == .markedUp { logger.info("substation up", metadata: ["substation": "\(figures.substationId)", "url": "\(url)"]) }
        } catch {
            let refused = (error as? UpstreamFailure) == .refused
            let (action, label) = state.withView { view in
                (view.scrapeFailed(ticket, refused: refused), view.substations[index].id ?? url)
            }
            metrics.scrapeFailed(substation: label)
            if action == .markedDown {
                logger.warning("substation down", metadata: ["substation": "\(label)", "url": "\(url)", "error": "\(error)"])
            }
        }
    }
}

import AsyncAlgorithms
import GridHTTP
import Logging
import ServiceLifecycle

/// Every second, writes the sessions' progress and the ones that ended to the journal, and once
/// more on a graceful stop, so a restart resumes where the substation was. After each, it hands
/// the heap freed since back to the system, so RSS stays flat under load.
struct SubstationCheckpointer: Service {
    let state: SubstationState
    let journal: SubstationJournal
    let interval: Duration
    let logger: Logger

    func run() async throws {
        for await _ in AsyncTimerSequence(interval: interval, clock: .continuous).cancelOnGracefulShutdown() {
            await checkpoint()
        }
        await checkpoint()
    }

    func checkpoint() async {
        let point = state.checkpoint()
        do {
            try await journal.checkpoint(point.active + point.ended, totals: point.totals)
        } catch {
            state.checkpointFailed(ended: point.ended)
            logger.error("could not write the session journal", metadata: ["error": "\(error)"])
        }
        ProcessHeap.returnFreedPages()
    }
}

import Foundation
import GridCore
import GridHTTP
import Logging

/// Places one charge request: asks the policy for a substation the view says can admit, sends
/// the order, and on a refusal, a 5xx or a transport failure tries the next best substation,
/// never one already tried, at most `maxAttempts` in all and within the shared retry budget.
/// When the view says nothing can admit, it answers at once without calling anyone.
///
/// A class: the functions that carry a placement on (`placeOnLoop`) capture it, and a reference
/// is one retain where a copy of the configuration and the logger was a dozen per request.
final class Dispatcher: Sendable {
    let state: BalancerState
    let client: any SubstationClient
    let metrics: BalancerMetrics
    let configuration: BalancerConfiguration
    let logger: Logger
    let undo: UndoQueue

    init(
        state: BalancerState, client: any SubstationClient, metrics: BalancerMetrics, configuration: BalancerConfiguration,
        logger: Logger, undo: UndoQueue
    ) {
        self.state = state
        self.client = client
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
        self.undo = undo
    }

    enum Outcome: Sendable {
        /// A substation admitted it: its 201 answer, and where it lives.
        case admitted(UpstreamResponse, substationURL: String)
        /// A substation said the request itself is wrong (4xx other than 409): pass it on.
        case invalid(UpstreamResponse)
        case noCapacity(detail: String)
        /// Nothing admitted it, but an attempt's answer was lost and its undo is not confirmed
        /// yet: the order may still be held somewhere, so this is not a plain "no room".
        case fateUnknown(detail: String)
    }

    /// One car's placement so far: what was tried, what was said, and whether an order whose
    /// answer was lost is still being undone.
    struct Placement: Sendable {
        let order: SessionOrder
        let start: ContinuousClock.Instant
        var attempt: RoutingAttempt
        var refusals: [String] = []
        var unconfirmedUndo = false
    }

    /// What an attempt's result means for the placement.
    private enum Verdict {
        case finished(Outcome)
        case tryNext
        /// The order may have landed: undo it, then try the next substation.
        case undoThenTryNext(url: String)
    }

    nonisolated(nonsending) func place(_ order: SessionOrder) async -> Outcome {
        var placement = newPlacement(order)
        let outcome = await goOn(with: &placement, sendingFirst: nil)
        metrics.routeDuration.record(ContinuousClock.now - placement.start)
        return outcome
    }

    /// `place`, without leaving the event loop it is called on when the first substation asked
    /// admits the car over a link of that loop (`SubstationClient.orderNow`): no task, no
    /// suspension. Otherwise (every link busy, a refusal, a failure) the placement goes on in
    /// a task from where it stands, as `place` would. `done` is called once, on the loop or
    /// from the task.
    func placeOnLoop(_ order: SessionOrder, done: @escaping @Sendable (Outcome) -> Void) {
        var placement = newPlacement(order)
        guard let (decision, timeout) = nextDecision(&placement) else { return finish(placement, conclusion(of: placement), done) }
        let answerBy = ContinuousClock.now + timeout
        let decided = placement
        let sent = client.orderNow(order, at: decision.url, timeout: timeout) { [self] answer in
            var placement = decided
            let verdict: Verdict
            switch answer {
            case .answered(let response): verdict = judge(.success(response), of: decision, in: &placement)
            case .failed(let failure): verdict = judge(.failure(failure), of: decision, in: &placement)
            case .notSent: return goOnInTask(placement, sending: (decision, answerBy), done: done)
            }
            switch verdict {
            case .finished(let outcome): finish(placement, outcome, done)
            case .tryNext: goOnInTask(placement, done: done)
            case .undoThenTryNext(let url): goOnInTask(placement, undoingFirst: url, done: done)
            }
        }
        if !sent { goOnInTask(placement, sending: (decision, answerBy), done: done) }
    }

    /// Hands a placement's outcome to `done`, with the time it took in the metrics.
    private func finish(_ placement: Placement, _ outcome: Outcome, _ done: @Sendable (Outcome) -> Void) {
        metrics.routeDuration.record(ContinuousClock.now - placement.start)
        done(outcome)
    }

    /// Goes on with a placement in a task, on the loop it came from (as the lane's own tasks run,
    /// `EventLoopTaskExecutor`). `sending`: a decision not sent yet, whose answer is due when it
    /// was due when decided (reaching the task, or opening a link, counts against it); past due,
    /// it fails at once as timed out, as `send` does when waiting for a link outlasts it.
    /// `undoingFirst`: where an order that may have landed is undone before going on.
    private func goOnInTask(
        _ placement: Placement, sending decided: (BalancerState.Decision, answerBy: ContinuousClock.Instant)? = nil,
        undoingFirst url: String? = nil, done: @escaping @Sendable (Outcome) -> Void
    ) {
        Task(executorPreference: EventLoopTaskExecutor.current) { [self] in
            var placement = placement
            if let url, await !undoOrder(placement.order.id, at: url) { placement.unconfirmedUndo = true }
            let first = decided.map { ($0.0, max(.zero, $0.answerBy - ContinuousClock.now)) }
            let outcome = await goOn(with: &placement, sendingFirst: first)
            finish(placement, outcome, done)
        }
    }

    private func newPlacement(_ order: SessionOrder) -> Placement {
        Placement(
            order: order, start: ContinuousClock.now,
            attempt: RoutingAttempt(powerKW: order.request.maxPowerKW, maxAttempts: configuration.maxAttempts))
    }

    /// The next substation to ask and how long its answer may take; nil when routing stops or
    /// the placement's time is up.
    private func nextDecision(_ placement: inout Placement) -> (BalancerState.Decision, Duration)? {
        let remaining = configuration.routeDeadline - (ContinuousClock.now - placement.start)
        guard remaining > .zero, let decision = state.decide(&placement.attempt) else { return nil }
        if placement.attempt.attempts > 1 { metrics.retries.increment() }
        return (decision, min(configuration.dispatchTimeout, remaining))
    }

    /// Sends, judges and tries again until a substation admits the car or routing stops;
    /// `sendingFirst`: a decision already made, to send before deciding anew.
    private nonisolated(nonsending) func goOn(
        with placement: inout Placement, sendingFirst first: (BalancerState.Decision, Duration)?
    ) async -> Outcome {
        var decided = first
        while let (decision, timeout) = decided ?? nextDecision(&placement) {
            decided = nil
            let result = await send(placement.order, to: decision, timeout: timeout)
            switch judge(result, of: decision, in: &placement) {
            case .finished(let outcome):
                return outcome
            case .tryNext:
                continue
            case .undoThenTryNext(let url):
                if await !undoOrder(placement.order.id, at: url) { placement.unconfirmedUndo = true }
            }
        }
        return conclusion(of: placement)
    }

    private nonisolated(nonsending) func send(_ order: SessionOrder, to decision: BalancerState.Decision, timeout: Duration) async
        -> Result<UpstreamResponse, UpstreamFailure>
    {
        do throws(UpstreamFailure) {
            return .success(try await client.order(order, at: decision.url, timeout: timeout))
        } catch {
            return .failure(error)
        }
    }

    /// What one attempt's result means: accounted against the substation, counted in the
    /// metrics, and either the placement's outcome or a reason to try the next substation.
    private func judge(
        _ result: Result<UpstreamResponse, UpstreamFailure>, of decision: BalancerState.Decision, in placement: inout Placement
    ) -> Verdict {
        switch result {
        case .success(let answer):
            metrics.called(substation: decision.substationLabel, outcome: .init(status: answer.status))
            switch answer.status {
            case 201:
                state.admitted(&placement.attempt)
                metrics.decided(substation: decision.substationLabel, policy: decision.policy)
                state.remember(
                    RoutingDecisionRecord(
                        vehicleId: placement.order.request.vehicleId, substationId: decision.substationLabel,
                        effectiveLoad: decision.effectiveLoad.isFinite ? decision.effectiveLoad : 0, policy: decision.policy,
                        at: RFC3339Timestamp.now()))
                return .finished(.admitted(answer, substationURL: decision.url))
            case 502, 504:
                // From a proxy in front of the substation: the order may have landed. Fate unknown, as a timeout.
                state.refused(&placement.attempt, failure: .unreachable)
                placement.refusals.append("\(decision.substationLabel): \(answer.status) from an intermediary")
                return .undoThenTryNext(url: decision.url)
            case 409, 500...599:
                state.refused(&placement.attempt)
                placement.refusals.append("\(decision.substationLabel): \(answer.status)")
            case 400...499:
                state.refused(&placement.attempt)
                metrics.rejected(reason: "invalid")
                return .finished(.invalid(answer))
            default:
                state.refused(&placement.attempt)
                placement.refusals.append("\(decision.substationLabel): unexpected \(answer.status)")
            }
            return .tryNext
        case .failure(let error):
            switch error {
            case .refused:
                metrics.called(substation: decision.substationLabel, outcome: .connectionRefused)
                state.refused(&placement.attempt, failure: .refusedConnection)
                placement.refusals.append("\(decision.substationLabel): connection refused")
                return .tryNext
            case .timedOut, .unreachable:
                metrics.called(substation: decision.substationLabel, outcome: .fateUnknown)
                state.refused(&placement.attempt, failure: .unreachable)
                placement.refusals.append("\(decision.substationLabel): \(error == .timedOut ? "timed out" : "unreachable")")
                return .undoThenTryNext(url: decision.url)
            }
        }
    }

    /// The outcome when routing stopped with no substation admitting the car.
    private func conclusion(of placement: Placement) -> Outcome {
        let attempt = placement.attempt
        let refusals = placement.refusals
        let reason: String
        let detail: String
        switch attempt.stop {
        case .attemptLimit:
            reason = "no-capacity"
            detail = "\(attempt.attempts) substations tried, none admitted (\(refusals.joined(separator: ", ")))"
        case .retryBudget:
            reason = "no-capacity"
            detail = "retry budget spent; tried: \(refusals.joined(separator: ", "))"
        case .noneCanAdmit where refusals.isEmpty:
            let anyUp = state.withView { $0.hasRoutableSubstation }
            reason = anyUp ? "no-capacity" : "no-substation-available"
            detail =
                anyUp ? "every substation is full (no free point, or the power floor cannot be met)" : "no substation is up and undrained"
        case .noneCanAdmit, nil:
            reason = "no-capacity"
            detail = "every substation tried refused or failed (\(refusals.joined(separator: ", ")))"
        }
        if placement.unconfirmedUndo {
            metrics.rejected(reason: "fate-unknown")
            return .fateUnknown(detail: "\(detail); an order whose answer was lost is still being undone")
        }
        metrics.rejected(reason: reason)
        logger.debug(
            "no substation admitted",
            metadata: ["id": "\(placement.order.id)", "tried": "\(refusals)", "stop": "\(String(describing: attempt.stop))"])
        return .noCapacity(detail: detail)
    }

    /// The order may have been admitted before its answer was lost: undo it, so the car is booked
    /// once; if the substation cannot be asked now, the undo queue keeps asking. Whether it was confirmed.
    private func undoOrder(_ sessionId: String, at url: String) async -> Bool {
        await undo.undoNow(sessionId: sessionId, at: url)
    }
}

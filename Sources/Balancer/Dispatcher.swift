import Foundation
import GridCore
import GridHTTP
import Logging

/// Places one charge request: asks the policy for a substation the view says can admit, sends
/// the order, and on a refusal, a 5xx or a transport failure tries the next best substation,
/// never one already tried, at most `maxAttempts` in all and within the shared retry budget.
/// When the view says nothing can admit, it answers at once without calling anyone.
struct Dispatcher: Sendable {
    let state: BalancerState
    let client: any SubstationClient
    let metrics: BalancerMetrics
    let configuration: BalancerConfiguration
    let logger: Logger
    let undo: UndoQueue

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

    nonisolated(nonsending) func place(_ order: SessionOrder) async -> Outcome {
        let start = ContinuousClock.now
        defer { metrics.routeDuration.record(ContinuousClock.now - start) }
        var attempt = RoutingAttempt(powerKW: order.request.maxPowerKW, maxAttempts: configuration.maxAttempts)
        var refusals: [String] = []
        var unconfirmedUndo = false
        while case let remaining = configuration.routeDeadline - (ContinuousClock.now - start), remaining > .zero,
            let decision = state.decide(&attempt)
        {
            if attempt.attempts > 1 { metrics.retries.increment() }
            do throws(UpstreamFailure) {
                let answer = try await client.order(order, at: decision.url, timeout: min(configuration.dispatchTimeout, remaining))
                metrics.called(substation: decision.substationLabel, outcome: .init(status: answer.status))
                switch answer.status {
                case 201:
                    state.admitted(&attempt)
                    metrics.decided(substation: decision.substationLabel, policy: decision.policy)
                    state.remember(
                        RoutingDecisionRecord(
                            vehicleId: order.request.vehicleId, substationId: decision.substationLabel,
                            effectiveLoad: decision.effectiveLoad.isFinite ? decision.effectiveLoad : 0, policy: decision.policy,
                            at: RFC3339Timestamp.now()))
                    return .admitted(answer, substationURL: decision.url)
                case 502, 504:
                    // From a proxy in front of the substation: the order may have landed. Fate unknown, as a timeout.
                    state.refused(&attempt, failure: .unreachable)
                    refusals.append("\(decision.substationLabel): \(answer.status) from an intermediary")
                    if await !undoOrder(order.id, at: decision.url) { unconfirmedUndo = true }
                case 409, 500...599:
                    state.refused(&attempt)
                    refusals.append("\(decision.substationLabel): \(answer.status)")
                case 400...499:
                    state.refused(&attempt)
                    metrics.rejected(reason: "invalid")
                    return .invalid(answer)
                default:
                    state.refused(&attempt)
                    refusals.append("\(decision.substationLabel): unexpected \(answer.status)")
                }
            } catch {
                switch error {
                case .refused:
                    metrics.called(substation: decision.substationLabel, outcome: .connectionRefused)
                    state.refused(&attempt, failure: .refusedConnection)
                    refusals.append("\(decision.substationLabel): connection refused")
                case .timedOut, .unreachable:
                    metrics.called(substation: decision.substationLabel, outcome: .fateUnknown)
                    state.refused(&attempt, failure: .unreachable)
                    refusals.append("\(decision.substationLabel): \(error == .timedOut ? "timed out" : "unreachable")")
                    if await !undoOrder(order.id, at: decision.url) { unconfirmedUndo = true }
                }
            }
        }
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
        if unconfirmedUndo {
            metrics.rejected(reason: "fate-unknown")
            return .fateUnknown(detail: "\(detail); an order whose answer was lost is still being undone")
        }
        metrics.rejected(reason: reason)
        logger.debug(
            "no substation admitted",
            metadata: ["id": "\(order.id)", "tried": "\(refusals)", "stop": "\(String(describing: attempt.stop))"])
        return .noCapacity(detail: detail)
    }

    /// The order may have been admitted before its answer was lost: undo it, so the car is booked
    /// once; if the substation cannot be asked now, the undo queue keeps asking. Whether it was confirmed.
    private func undoOrder(_ sessionId: String, at url: String) async -> Bool {
        await undo.undoNow(sessionId: sessionId, at: url)
    }
}

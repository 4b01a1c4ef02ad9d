import Foundation
import GridCore
import GridHTTP
import Logging

/// Places one charge request: asks the policy for a substation, sends the order, and on a
/// refusal, a 5xx or a transport failure tries the next best substation, never one already tried.
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
    }

    func place(_ order: SessionOrder) async -> Outcome {
        let start = ContinuousClock.now
        defer { metrics.routeDuration.record(ContinuousClock.now - start) }
        var attempt = RoutingAttempt(powerKW: order.request.maxPowerKW)
        var refusals: [String] = []
        while ContinuousClock.now - start < configuration.routeDeadline, let decision = state.decide(&attempt) {
            if attempt.attempts > 1 { metrics.retries.increment() }
            let remaining = configuration.routeDeadline - (ContinuousClock.now - start)
            do throws(UpstreamFailure) {
                let answer = try await client.order(order, at: decision.url, timeout: min(configuration.dispatchTimeout, remaining))
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
                    state.refused(&attempt, failure: .refusedConnection)
                    refusals.append("\(decision.substationLabel): connection refused")
                case .timedOut, .unreachable:
                    state.refused(&attempt, failure: .unreachable)
                    refusals.append("\(decision.substationLabel): \(error == .timedOut ? "timed out" : "unreachable")")
                    // It may have admitted the session before the answer was lost: undo, so the car is booked once.
                    await undo.undoNow(sessionId: order.id, at: decision.url)
                }
            }
        }
        metrics.rejected(reason: refusals.isEmpty ? "no-substation-available" : "no-capacity")
        let detail =
            refusals.isEmpty
            ? "no substation is up and undrained"
            : "every substation tried refused or failed (\(refusals.joined(separator: ", ")))"
        logger.debug("no substation admitted", metadata: ["id": "\(order.id)", "tried": "\(refusals)"])
        return .noCapacity(detail: detail)
    }
}

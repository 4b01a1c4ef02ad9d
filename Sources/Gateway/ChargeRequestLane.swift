import GridHTTP
import Logging
import NIOCore

/// `POST /api/v1/charge-requests` on `FastLane`: what the router's middleware does for it (the
/// rate limit, problem+json for errors, the request metrics), then the same booking code.
struct ChargeRequestLane: Sendable {
    let routes: GatewayRoutes
    let metrics: GatewayRequestMetrics
    let rateLimit: RequestRateLimit?
    let logger: Logger

    var route: FastLane.Route {
        FastLane.Route(method: .POST, path: GatewayRoutes.chargeRequests, soleHeaders: ["Idempotency-Key"]) { request in
            await answer(request)
        }
    }

    func answer(_ request: FastLane.Request) async -> WireAnswer {
        let start = ContinuousClock.now
        let answer: WireAnswer
        if let refusal = rateLimit?.refusal(for: request.remoteAddress?.ipAddress ?? "unknown") {
            answer = WireAnswer(refusal)
        } else {
            do {
                answer = try await routes.chargeRequest(
                    idempotencyKey: request.field("Idempotency-Key"),
                    contentType: request.contentType,
                    body: request.body)
            } catch {
                answer = WireAnswer(Problem.answering(error, path: GatewayRoutes.chargeRequests, logger: logger))
            }
        }
        metrics.answered(route: GatewayRoutes.chargeRequests, code: answer.status.code, since: start)
        return answer
    }
}

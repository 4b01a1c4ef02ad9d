import GridCore
import GridHTTP
import Hummingbird
import Synchronization

/// `--rate-limit`: a token bucket per client address; over it, 429 problem+json with
/// `Retry-After`. One per gateway, shared by the router's middleware and the charge request lane.
final class RequestRateLimit: Sendable {
    private let limiter: Mutex<ClientRateLimiter>
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    init(ratePerSecond: Double) {
        limiter = Mutex(ClientRateLimiter(ratePerSecond: ratePerSecond))
        start = clock.now
    }

    /// The 429 for a client over its limit; nil when the request may pass (it took a token).
    func refusal(for client: String) -> Problem? {
        let now = (clock.now - start).inSeconds
        switch limiter.withLock({ $0.admit(client, now: now) }) {
        case .allowed:
            return nil
        case .limited(let retryAfter):
            return Problem(
                status: .tooManyRequests, slug: "rate-limited", title: "Too many requests",
                detail: "this client is over the gateway's rate limit", retryAfterSeconds: max(1, Int(retryAfter.rounded(.up))))
        }
    }
}

/// The rate limit on the router's routes. Health and metrics are never limited, so probes and
/// Prometheus always get in.
struct RateLimitMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let limit: RequestRateLimit

    static var unlimitedPaths: Set<String> { ["/health", "/metrics"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Self.unlimitedPaths.contains(request.uri.path) else { return try await next(request, context) }
        if let refusal = limit.refusal(for: context.remoteAddress?.ipAddress ?? "unknown") { throw refusal }
        return try await next(request, context)
    }
}

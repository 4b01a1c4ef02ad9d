import GridCore
import GridHTTP
import Hummingbird
import Synchronization

/// `--rate-limit`: a token bucket per client address; over it, 429 problem+json with
/// `Retry-After`. Health and metrics are never limited, so probes and Prometheus always get in.
struct RateLimitMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    /// The buckets, shared by every copy of the middleware.
    final class Buckets: Sendable {
        let limiter: Mutex<ClientRateLimiter>
        init(_ limiter: ClientRateLimiter) { self.limiter = Mutex(limiter) }
    }

    let buckets: Buckets
    let clock = ContinuousClock()
    let start: ContinuousClock.Instant

    init(ratePerSecond: Double) {
        buckets = Buckets(ClientRateLimiter(ratePerSecond: ratePerSecond))
        start = clock.now
    }

    static var unlimitedPaths: Set<String> { ["/health", "/metrics"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Self.unlimitedPaths.contains(request.uri.path) else { return try await next(request, context) }
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        let now = (clock.now - start).inSeconds
        switch buckets.limiter.withLock({ $0.admit(client, now: now) }) {
        case .allowed:
            return try await next(request, context)
        case .limited(let retryAfter):
            throw Problem(
                status: .tooManyRequests, slug: "rate-limited", title: "Too many requests",
                detail: "this client is over the gateway's rate limit", retryAfterSeconds: max(1, Int(retryAfter.rounded(.up))))
        }
    }
}

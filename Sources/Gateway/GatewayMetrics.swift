import GridHTTP
import Hummingbird
import Prometheus
import Synchronization

/// `gateway_requests_total{route,code}` and `gateway_request_duration_seconds`, recorded for
/// every answer, problems included; one per gateway, for the router and the charge request lane.
final class GatewayRequestMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let duration: DurationHistogram
    private let counters = CounterCache<RequestKey>()

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        self.duration = registry.durationHistogram(
            name: "gateway_request_duration_seconds",
            buckets: [
                .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .seconds(2.5), .seconds(5), .seconds(10),
            ],
            help: "Time to answer a request")
        // The answers dashboards and alerts divide by exist from the start at 0.
        for code in ["201", "400", "503"] {
            _ = registry.counter(
                name: "gateway_requests_total", labels: [("route", "/api/v1/charge-requests"), ("code", code)],
                help: gatewayRequestsHelp)
        }
    }

    /// One answer to `route` (its template), begun at `start`.
    func answered(route: String, code: Int, since start: ContinuousClock.Instant) {
        counters.counter(RequestKey(route: route, code: code)) {
            registry.counter(name: "gateway_requests_total", labels: [("route", route), ("code", String(code))], help: gatewayRequestsHelp)
        }.increment()
        if route != "/metrics" {
            duration.record(ContinuousClock.now - start)
        }
    }
}

/// Records every answer of the router's routes.
struct GatewayMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: GatewayRequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = Problem.from(error).makeResponse()
        }
        metrics.answered(route: context.endpointPath ?? "unmatched", code: response.status.code, since: start)
        return response
    }
}

/// The labels of one `gateway_requests_total` series.
private struct RequestKey: Hashable, Sendable {
    var route: String
    var code: Int
}

/// One help text for every series of `gateway_requests_total`: swift-prometheus stops the process when two differ.
let gatewayRequestsHelp = "Requests answered, by route template and status code"

import Hummingbird
import NIOConcurrencyHelpers
import Prometheus

/// Serves a registry as Prometheus text at `GET /metrics`, refreshing gauges first when asked to.
public enum MetricsEndpoint {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// One scrape at a time refreshes and renders, so a page shows the figures of one refresh:
    /// two scrapes at once (Prometheus and the balancer) could otherwise mix two snapshots, say a
    /// substation's EV power from one and its base load from another, whose sum may pass the
    /// capacity that neither snapshot passes.
    public static func add<Context: RequestContext>(
        to router: Router<Context>, registry: PrometheusCollectorRegistry,
        refresh: @escaping @Sendable () -> Void = {}
    ) {
        let scraping = NIOLock()
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = contentType
            let page = scraping.withLock {
                refresh()
                return registry.emitToBuffer()
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: page)))
        }
    }
}

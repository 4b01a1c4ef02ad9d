import Hummingbird
import Prometheus

/// Serves a registry as Prometheus text at `GET /metrics`, refreshing gauges first when asked to.
public enum MetricsEndpoint {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func add<Context: RequestContext>(
        to router: Router<Context>, registry: PrometheusCollectorRegistry,
        refresh: @escaping @Sendable () -> Void = {}
    ) {
        router.get("/metrics") { _, _ in
            refresh()
            var headers = HTTPFields()
            headers[.contentType] = contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}

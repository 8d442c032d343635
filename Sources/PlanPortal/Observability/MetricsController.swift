import Hummingbird
import Prometheus

/// Tag `operations`: Prometheus text exposition of this process's metrics.
struct MetricsController: Sendable {
    let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("metrics", use: getMetrics)
    }

    @Sendable func getMetrics(_ request: Request, context: AppRequestContext) async throws -> Response {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer))
        )
    }
}

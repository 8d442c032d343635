import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import NIOConcurrencyHelpers

/// The request metrics of Hummingbird's `MetricsMiddleware`, with its names and labels (step 5 of
/// `EdgeMiddleware`): `http.server.active_requests` per method; per route template, method and
/// status `hb.requests`, `http.server.request.duration` and `hb.request.errors`. The handles are
/// made once per key, as Hummingbird's middleware does, and kept: keys are bounded (route
/// templates, `NotFound`/`Unknown`, the methods the HTTP parser knows, status codes).
///
/// Unlike Hummingbird's middleware, the response's body is not wrapped to stop the clock after it
/// is written: wrapping turns the in-memory body every PlanPortal route answers into a streamed
/// one, which the server writes in three steps (head, body, end) instead of one. The clock stops
/// when the response leaves the middleware, right before the server writes it.
final class RequestMetrics: Sendable {
    /// Where the handles are made; nil: `MetricsSystem.factory` when a handle is first needed
    /// (what Hummingbird's middleware uses).
    private let factory: (any MetricsFactory)?
    private let meters = NIOLockedValueBox<[HTTPRequest.Method: Meter]>([:])
    private let endpoints = NIOLockedValueBox<[EndpointKey: EndpointMetrics]>([:])

    init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory
    }

    /// A request in progress: counted as active until `finish` or `fail`.
    struct Measure {
        let method: HTTPRequest.Method
        let start: UInt64
        let active: Meter
    }

    func start(_ method: HTTPRequest.Method) -> Measure {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = meters.withLockedValue { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.description)], factory: currentFactory)
            meters[method] = meter
            return meter
        }
        active.increment()
        return Measure(method: method, start: start, active: active)
    }

    /// A response of `route` (its template, as the router matched it).
    func finish(_ measure: Measure, route: String, status: HTTPResponse.Status) {
        let metrics = endpoint(EndpointKey(route: route, method: measure.method, status: status))
        metrics.counter.increment()
        metrics.timer.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - measure.start)
        measure.active.decrement()
    }

    /// An error thrown by the route, labelled with the status of the problem it is answered with
    /// (Hummingbird's middleware says 500 for any error that is not an `HTTPResponseError`, so a
    /// 404 `plan_not_found` or a 503 `database_unavailable` would show as a server fault).
    func fail(_ measure: Measure, route: String, status: HTTPResponse.Status) {
        let metrics = endpoint(EndpointKey(route: route, method: measure.method, status: status))
        metrics.counter.increment()
        metrics.errorCounter.increment()
        measure.active.decrement()
    }

    private var currentFactory: any MetricsFactory { factory ?? MetricsSystem.factory }

    private struct EndpointKey: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }

    private struct EndpointMetrics {
        let counter: Counter
        let timer: Timer
        let errorCounter: Counter
    }

    private func endpoint(_ key: EndpointKey) -> EndpointMetrics {
        endpoints.withLockedValue { endpoints in
            if let metrics = endpoints[key] { return metrics }
            let dimensions = [("http.route", key.route), ("http.request.method", key.method.description), ("http.response.status_code", key.status.code.description)]
            let factory = currentFactory
            let metrics = EndpointMetrics(
                counter: Counter(label: "hb.requests", dimensions: dimensions, factory: factory),
                timer: Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory),
                errorCounter: Counter(
                    label: "hb.request.errors",
                    dimensions: [("http.route", key.route), ("http.request.method", key.method.description), ("error.type", key.status.code.description)],
                    factory: factory
                )
            )
            endpoints[key] = metrics
            return metrics
        }
    }
}

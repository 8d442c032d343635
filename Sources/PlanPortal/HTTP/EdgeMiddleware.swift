import HTTPTypes
import Hummingbird
import Metrics

/// The global middleware of every route, in one frame. What six middlewares did, in their order
/// and with their semantics, each concern in the file named for it:
/// 1. `ClientAddress`: the client's address, `X-Forwarded-For` believed only from trusted proxies;
/// 2. `SecurityHeaders`: on every response (problems, 405s and preflights included), applied last;
/// 3. `CrossOrigin`: preflights answered here; `Vary: Origin` and the grant on `/v1/plans/**` and
///    `/v1/admin/**`, problems included;
/// 4. `ProblemResponse`: every error as `application/problem+json`, `X-Request-Id`, the request log line;
/// 5. `RequestMetrics`: Hummingbird's request metrics (same names and labels) from cached handles;
/// 6. `MethodNotAllowed`: the router's 404 for a known path asked with another method becomes 405.
///
/// One frame instead of six, the context copied only when a proxy header changes the client, and
/// the handler's in-memory body handed to the server as it is (the server writes head, body and
/// end at once).
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let clientAddress: ClientAddress
    let crossOrigin: CrossOrigin
    let metrics: RequestMetrics
    let routes: RouteTable

    /// The middleware of `services`' configuration, over the router's `routes`.
    init(services: AppServices, routes: RouteTable, metrics: (any MetricsFactory)? = nil) {
        clientAddress = ClientAddress(proxies: services.config.trustedProxies, environment: services.config.environment)
        crossOrigin = CrossOrigin(plans: services.plans, adminOrigins: services.config.adminAllowedOrigins, table: routes)
        self.metrics = RequestMetrics(factory: metrics)
        self.routes = routes
    }

    init(clientAddress: ClientAddress, crossOrigin: CrossOrigin, metrics: RequestMetrics, routes: RouteTable) {
        (self.clientAddress, self.crossOrigin, self.metrics, self.routes) = (clientAddress, crossOrigin, metrics, routes)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let clientIP = clientAddress.resolve(request, context: context) else {
            return await respond(request, context: context, next: next)
        }
        var context = context
        context.clientIP = clientIP
        return await respond(request, context: context, next: next)
    }

    /// Steps 2 and 3 around what the route answered.
    private func respond(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        let path = request.targetPath
        var response: Response
        if let scope = CrossOrigin.scope(of: path) {
            let origin = request.headers[.origin]
            if let preflight = await crossOrigin.preflight(request, path: path, origin: origin, scope: scope, context: context) {
                response = preflight
            } else {
                response = await answer(request, context: context, next: next)
                await crossOrigin.decorate(&response.headers, origin: origin, scope: scope)
            }
        } else {
            response = await answer(request, context: context, next: next)
        }
        SecurityHeaders.apply(to: &response.headers, path: path)
        return response
    }

    /// Steps 4 to 6: the route's response, or the problem its error maps to.
    private func answer(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        let log = RequestLog(context: context)
        let measure = metrics.start(request.method)
        var response: Response
        do {
            do {
                response = try await next(request, context)
            } catch let error as HTTPError where error.status == .notFound {
                throw routes.methodNotAllowed(request, else: error)
            }
            metrics.finish(measure, route: context.endpointPath ?? "Unknown", status: response.status)
        } catch {
            let problem = ProblemResponse.problem(for: error, context: context)
            metrics.fail(measure, route: context.endpointPath ?? "NotFound", status: problem.status)
            response = ProblemResponse.render(problem, request: request, context: context)
        }
        // Room, in one allocation, for what this middleware and the server add to the handler's
        // fields (often a shared, built-once list).
        response.headers.reserveCapacity(response.headers.count + 10)
        response.headers[.requestID] = context.id
        log.finish(request, status: response.status, context: context)
        return response
    }
}

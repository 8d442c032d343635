import HTTPTypes
import Hummingbird

/// CORS for browser apps on other origins (a university's own portal). On `/v1/plans/{plan}/**`
/// the plan's `allowedOrigins` are granted (default: the origin of its `portalUrl`); on
/// `/v1/admin/**` only `ADMIN_ALLOWED_ORIGINS`. A granted origin is echoed, never `*`, and no
/// credentials are allowed: the API takes bearer tokens, not cookies. Every response of those
/// routes says `Vary: Origin`; another origin gets no CORS header at all, so its browser refuses.
///
/// Runs outside `ProblemMiddleware`, so problems carry the headers too (a page can read its 4xx),
/// and before `MethodNotAllowedMiddleware`, which still answers 405 to an `OPTIONS` that is not a
/// preflight.
struct CrossOriginMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let plans: any PlanRepository
    let adminOrigins: [WebOrigin]
    let table: RouteTable

    static let allowHeaders = "Authorization, Content-Type, Idempotency-Key, Accept-Language"
    static let exposeHeaders = "Retry-After, RateLimit, RateLimit-Policy, X-Request-Id, Content-Language"
    /// Seconds a browser may reuse a preflight: a removed origin loses access within 10 minutes.
    static let maxAgeSeconds = 600

    /// Whose origins a path grants.
    enum Scope: Equatable {
        /// A plan's routes (nil: a malformed slug, which grants nothing).
        case plan(PlanSlug?)
        case admin
    }

    static func scope(of path: String) -> Scope? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0] == "v1" else { return nil }
        if parts[1] == "admin" { return .admin }
        if parts[1] == "plans", parts.count >= 3 { return .plan(PlanSlug(String(parts[2]))) }
        return nil
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let scope = Self.scope(of: path) else { return try await next(request, context) }
        let origin = request.headers[.origin]
        if request.method == .options, let origin, request.headers[.accessControlRequestMethod] != nil, let methods = table.methods(for: path) {
            return await preflight(request, origin: origin, methods: methods, scope: scope, context: context)
        }
        var response = try await next(request, context)
        response.headers.addVary("Origin")
        // After the handler, so the plan is in this replica's cache; a failed look-up grants nothing.
        if let origin, (try? await grants(origin, scope: scope)) == true {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = Self.exposeHeaders
        }
        return response
    }

    /// 204 for a known path: with the grant for an allowed origin, bare for any other.
    private func preflight(_ request: Request, origin: String, methods: [String], scope: Scope, context: Context) async -> Response {
        var response: Response
        do {
            response = Response(status: .noContent)
            if try await grants(origin, scope: scope) {
                response.headers[.accessControlAllowOrigin] = origin
                response.headers[.accessControlAllowMethods] = methods.joined(separator: ", ")
                response.headers[.accessControlAllowHeaders] = Self.allowHeaders
                response.headers[.accessControlMaxAge] = String(Self.maxAgeSeconds)
            }
        } catch {
            // PostgreSQL down while the plan is not cached: the problem it maps to (503).
            response = ProblemMiddleware.render(ProblemMiddleware.problem(for: error, context: context), request: request, context: context)
        }
        response.headers[.requestID] = context.id
        response.headers.addVary("Origin")
        return response
    }

    /// Whether `origin` (as the browser sent it) is granted on `scope`.
    private func grants(_ origin: String, scope: Scope) async throws -> Bool {
        guard let origin = WebOrigin(origin) else { return false }
        switch scope {
        case .admin:
            return adminOrigins.contains(origin)
        case .plan(let slug):
            guard let slug, let plan = try await plans.find(slug) else { return false }
            return plan.allowedOrigins.contains(origin)
        }
    }
}

extension HTTPFields {
    /// Adds `name` to `Vary` (one comma-separated field), once.
    mutating func addVary(_ name: String) {
        let current = self[values: .vary].flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        guard !current.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame || $0 == "*" }) else { return }
        self[.vary] = (current + [name]).joined(separator: ", ")
    }
}

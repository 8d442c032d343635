import HTTPTypes
import Hummingbird

/// CORS for browser apps on other origins (a university's own portal), step 3 of `EdgeMiddleware`.
/// On `/v1/plans/{plan}/**` the plan's `allowedOrigins` are granted (default: the origin of its
/// `portalUrl`); on `/v1/admin/**` only `ADMIN_ALLOWED_ORIGINS`. A granted origin is echoed, never
/// `*`, and no credentials are allowed: the API takes bearer tokens, not cookies. Every response of
/// those routes says `Vary: Origin`; another origin gets no CORS header at all, so its browser refuses.
///
/// Applied to what the problem step answered, so problems carry the headers too (a page can read
/// its 4xx); a preflight is answered before the method check, which still answers 405 to an
/// `OPTIONS` that is not a preflight.
struct CrossOrigin: Sendable {
    let plans: any PlanRepository
    let adminOrigins: [WebOrigin]
    let table: RouteTable

    static let allowHeaders = "Authorization, Content-Type, Idempotency-Key, Accept-Language"
    static let exposeHeaders = "Retry-After, RateLimit, RateLimit-Policy, X-Request-Id, Content-Language"
    /// Seconds a browser may reuse a preflight: a removed origin loses access within 10 minutes.
    static let maxAgeSeconds = 600

    /// Whose origins a path grants.
    enum Scope: Equatable {
        /// A plan's routes: the `{plan}` segment as sent (read only when an origin asks; a
        /// malformed slug grants nothing).
        case plan(Substring)
        case admin
    }

    /// The first three non-empty segments decide, read one by one (no array per request).
    static func scope(of path: Substring) -> Scope? {
        var rest = path
        guard nextSegment(of: &rest) == "v1", let second = nextSegment(of: &rest) else { return nil }
        if second == "admin" { return .admin }
        if second == "plans", let plan = nextSegment(of: &rest) { return .plan(plan) }
        return nil
    }

    /// The next non-empty `/`-separated segment of `rest`, which is left after it.
    private static func nextSegment(of rest: inout Substring) -> Substring? {
        while rest.utf8.first == UInt8(ascii: "/") { rest = rest.dropFirst() }
        guard !rest.isEmpty else { return nil }
        let end = rest.utf8.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        defer { rest = rest[end...] }
        return rest[..<end]
    }

    /// The answer to a preflight of a known path (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`), or nil when the request is not one.
    func preflight(_ request: Request, path: Substring, origin: String?, scope: Scope, context: AppRequestContext) async -> Response? {
        guard request.method == .options, let origin, request.headers[.accessControlRequestMethod] != nil,
              let methods = table.methods(for: String(path)) else { return nil }
        return await preflight(request, origin: origin, methods: methods, scope: scope, context: context)
    }

    /// `Vary: Origin` on a response of `scope`, and the grant when `origin` is allowed there.
    func decorate(_ headers: inout HTTPFields, origin: String?, scope: Scope) async {
        headers.addVary("Origin")
        // After the handler, so the plan is in this replica's cache; a failed look-up grants nothing.
        if let origin, (try? await grants(origin, scope: scope)) == true {
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlExposeHeaders] = Self.exposeHeaders
        }
    }

    /// 204 for a known path: with the grant for an allowed origin, bare for any other.
    private func preflight(_ request: Request, origin: String, methods: [String], scope: Scope, context: AppRequestContext) async -> Response {
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
            response = ProblemResponse.render(ProblemResponse.problem(for: error, context: context), request: request, context: context)
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
        case .plan(let segment):
            guard let slug = PlanSlug(String(segment)), let plan = try await plans.find(slug) else { return false }
            return plan.allowedOrigins.contains(origin)
        }
    }
}

extension HTTPFields {
    /// Adds `name` to `Vary` (one comma-separated field), once.
    mutating func addVary(_ name: String) {
        // Most responses have no `Vary` yet, or exactly one other name without a comma: no
        // splitting, trimming or joining for them.
        let existing = self[values: .vary]
        if existing.isEmpty {
            self[.vary] = name
            return
        }
        if existing.count == 1, let only = existing.first, Self.isPlainToken(only), Self.isPlainToken(name) {
            guard !Self.asciiEqualIgnoringCase(only, name), only != "*" else { return }
            self[.vary] = only + ", " + name
            return
        }
        let current = existing.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        guard !current.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame || $0 == "*" }) else { return }
        self[.vary] = (current + [name]).joined(separator: ", ")
    }

    /// ASCII with no comma and no white space at either end: what splitting and trimming leave as it is.
    private static func isPlainToken(_ value: String) -> Bool {
        guard let first = value.utf8.first, let last = value.utf8.last else { return false }
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        return !blank(first) && !blank(last) && value.utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: ",") }
    }

    /// `caseInsensitiveCompare(_:) == .orderedSame` for ASCII strings.
    private static func asciiEqualIgnoringCase(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
        }
    }
}

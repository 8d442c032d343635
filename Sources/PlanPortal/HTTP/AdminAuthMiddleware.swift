import Hummingbird

/// Guards `/v1/admin/**`: `Authorization: Bearer <admin key>` or a 401 problem, then the key's
/// request budget (429 `rate_limited` over it).
public struct AdminAuthMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let keys: AdminKeyRepository
    let limiter: RateLimiter?
    let rule: RateLimitRule

    public init(keys: AdminKeyRepository, limiter: RateLimiter? = nil, rule: RateLimitRule = .init(limit: 600, windowSeconds: 60)) {
        self.keys = keys
        self.limiter = limiter
        self.rule = rule
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let secret = request.bearerToken, let key = try await keys.authenticate(secret: secret) else {
            throw Problem.unauthorized
        }
        var context = context
        context.adminKey = key
        context.logger[metadataKey: "admin_key"] = "\(key.id)"
        guard let limiter else { return try await next(request, context) }
        let outcome = try await limiter.hit([
            RateLimitKey(name: "admin-key", rule: rule, effect: .reject, scope: "admin", subject: ["\(key.id)"]),
        ])
        try outcome.enforce()
        var response = try await next(request, context)
        response.headers.append(contentsOf: outcome.headers)
        return response
    }
}

extension Request {
    /// The token of an `Authorization: Bearer …` header.
    public var bearerToken: String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

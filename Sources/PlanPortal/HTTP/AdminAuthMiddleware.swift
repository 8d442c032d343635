import Hummingbird

/// Guards `/v1/admin/**`: `Authorization: Bearer <admin key>` or a 401 problem.
public struct AdminAuthMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let keys: any AdminKeyRepository

    public init(keys: any AdminKeyRepository) {
        self.keys = keys
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
        return try await next(request, context)
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

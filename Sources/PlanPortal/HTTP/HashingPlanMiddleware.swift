import Hummingbird

/// Tags the Argon2 work of a member request with its plan (`{plan}`), so the hashing pool can
/// keep one plan's flood from taking the queue of every plan (`HashScheduler`).
public struct HashingPlanMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await PasswordHasher.$plan.withValue(context.parameters.get("plan")) {
            try await next(request, context)
        }
    }
}

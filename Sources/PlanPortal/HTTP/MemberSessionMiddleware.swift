import Hummingbird

/// Authenticates a member's own routes once: the `Authorization: Bearer` session token must be a
/// live session of this plan (a token of another plan is unknown here), else 401.
struct MemberSessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: SessionOperations

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let plan = try context.resolved(context.plan, by: "PlanMiddleware")
        guard let token = request.bearerToken, let session = try await sessions.authenticate(plan: plan, token: token) else {
            throw Problem.sessionRequired
        }
        context.memberSession = session
        return try await next(request, context)
    }
}

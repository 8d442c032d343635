import Hummingbird

/// The middleware of `/v1/plans/{plan}/**` (and of the portal's plan pages), in one frame:
/// 1. the Argon2 work of the request is tagged with its plan (`{plan}`), so the hashing pool can
///    keep one plan's flood from taking the queue of every plan (`HashScheduler`);
/// 2. `{plan}` is resolved once: 422 `invalid_plan_slug` for a malformed slug, 404
///    `plan_not_found` for an unknown plan, else the plan goes into the context;
/// 3. on a member's own routes (`sessions` set), the `Authorization: Bearer` session token must be
///    a live session of this plan (a token of another plan is unknown here), else 401.
struct PlanGroupMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let plans: any PlanRepository
    /// Set on a member's own routes.
    var sessions: SessionOperations? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let segment = context.parameters.get("plan")
        return try await PasswordHasher.$plan.withValue(segment) {
            var context = context
            guard let plan = try await plans.find(PlanSlug.parse(segment ?? "")) else { throw Problem.planNotFound }
            context.plan = plan
            if let sessions {
                guard let token = request.bearerToken, let session = try await sessions.authenticate(plan: plan, token: token) else {
                    throw Problem.sessionRequired
                }
                context.memberSession = session
            }
            return try await next(request, context)
        }
    }
}

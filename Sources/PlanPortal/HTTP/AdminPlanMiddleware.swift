import Hummingbird

/// Resolves `{plan}` of the admin routes once: a plan the key may not act on gets the same 404 as
/// an unknown plan, so a key cannot learn which plans exist.
struct AdminPlanMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let plans: any PlanRepository

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let slug = try context.planSlugParameter()
        guard try context.requireAdminKey().canAccess(slug), let plan = try await plans.find(slug) else { throw Problem.planNotFound }
        context.plan = plan
        return try await next(request, context)
    }
}

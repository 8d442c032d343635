import Hummingbird

/// Tag `admin-plans`: the plan's portal logo (its primary colour is set with `updatePlan`).
struct AdminBrandingController: Sendable {
    let branding: BrandingOperations

    func addRoutes(to plan: RouterGroup<AdminPlanRequestContext>) {
        plan.put("branding/logo", use: putPlanLogo)
        plan.delete("branding/logo", use: deletePlanLogo)
    }

    /// The logo is the raw body; its type is told by its first bytes.
    @Sendable func putPlanLogo(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: LogoImage.maxBytes, tooLarge: .logoTooLarge)
        let stored = try await branding.putPlanLogo(
            plan: context.plan.slug, bytes: Array(body.readableBytesView),
            audit: context.auditEvent("plan.logo_updated", details: .init(fields: ["branding.logo"]))
        )
        return try .json(stored)
    }

    @Sendable func deletePlanLogo(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        try await branding.deletePlanLogo(plan: context.plan.slug, audit: context.auditEvent("plan.logo_deleted", details: .init(fields: ["branding.logo"])))
        return Response(status: .noContent)
    }
}

import HTTPTypes
import Hummingbird
import NIOCore

/// Tag `member-plan`: what any client shows of a plan before a login (names, support, e-mail
/// domains, challenge, branding) and its logo. Public and cacheable; nothing about members.
struct PublicPlanController: Sendable {
    let branding: BrandingOperations

    func addRoutes(to plan: RouterGroup<PlanRequestContext>) {
        plan.get(use: getPublicPlan)
        plan.get("branding/logo", use: getPlanLogo)
    }

    /// Both languages in one body: it varies with the plan only (and `Origin`, for CORS).
    @Sendable func getPublicPlan(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try .json(PublicPlan(context.plan), headers: [.cacheControl: "public, max-age=300"])
    }

    @Sendable func getPlanLogo(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let logo = try await branding.getPlanLogo(
            plan: context.plan.slug, version: request.uri.queryParameters.get("v").map { String($0) }, ifNoneMatch: request.headers[.ifNoneMatch]
        )
        guard let bytes = logo.bytes else { return Response(status: logo.status, headers: logo.headers) }
        return Response(status: logo.status, headers: logo.headers, body: ResponseBody(byteBuffer: bytes))
    }
}

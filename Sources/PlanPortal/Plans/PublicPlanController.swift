import HTTPTypes
import Hummingbird

/// Tag `member-plan`: what any client shows of a plan before a login (names, support, e-mail
/// domains, challenge, branding) and its logo. Public and cacheable; nothing about members.
struct PublicPlanController: Sendable {
    let branding: BrandingRepository

    func addRoutes(to plan: RouterGroup<PlanRequestContext>) {
        plan.get(use: getPublicPlan)
        plan.get("branding/logo", use: getPlanLogo)
    }

    /// Both languages in one body: it varies with the plan only (and `Origin`, for CORS).
    @Sendable func getPublicPlan(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try .json(PublicPlan(context.plan), headers: [.cacheControl: "public, max-age=300"])
    }

    /// The logo's bytes with their sniffed type. A URL carrying the current version (`?v=`, as
    /// `PublicPlan` builds it) may be cached for a year; any other for 5 minutes.
    @Sendable func getPlanLogo(_ request: Request, context: PlanRequestContext) async throws -> Response {
        guard let logo = try await branding.logo(plan: context.plan.slug) else { throw Problem.logoNotFound }
        let etag = "\"\(logo.sha256)\""
        let current = request.uri.queryParameters.get("v").map { $0.count >= 16 && logo.sha256.hasPrefix($0) } ?? false
        var headers: HTTPFields = [.eTag: etag, .cacheControl: current ? "public, max-age=31536000, immutable" : "public, max-age=300"]
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = logo.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: logo.bytes))
    }
}

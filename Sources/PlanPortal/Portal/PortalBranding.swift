import Foundation
import Hummingbird
import NIOCore

/// The plan's look on its portal pages, from this origin only (the CSP stays `'self'`): its
/// primary colour as a small stylesheet, `/portal/{plan}/brand.css` (no inline style is allowed),
/// and its logo from `getPlanLogo` (`/v1/plans/{plan}/branding/logo?v=…`), both linked by the
/// layout only when the plan has them.
extension PortalController {
    @Sendable func brandStylesheet(_ request: Request, context: PlanRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=86400", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: Self.brandCSS(context.plan.branding.primaryColor)))
        )
    }

    /// The custom properties `portal.css` reads; empty without a (valid) colour. The colour was
    /// checked when it was set (`#rrggbb`, white text on it at least 4.5:1), and again here so
    /// nothing else can reach the stylesheet.
    static func brandCSS(_ color: String?) -> String {
        guard let color, BrandColor.components(color) != nil else { return "" }
        return ":root { --brand: \(color); }\n"
    }
}

extension PortalRenderer {
    /// What the layout shows of the plan: the same public view `getPublicPlan` gives other clients.
    func planView(_ plan: Plan, language: Language) -> [String: Any] {
        let plan = PublicPlan(plan)
        var view: [String: Any] = [
            "name": plan.name(language),
            "slug": plan.slug.value,
            "domains": plan.emailDomains.map { "@\($0)" }.joined(separator: ", "),
        ]
        if let phone = plan.support.phone { view["phone"] = phone }
        if let email = plan.support.email { view["email"] = email }
        if let hours = plan.supportHours(language) { view["hours"] = hours }
        view["support"] = plan.support.phone != nil || plan.support.email != nil
        // The stylesheet's address changes with the colour, so a new colour is never a stale cache.
        if let color = plan.branding.primaryColor { view["brandVersion"] = String(color.dropFirst()) }
        if let logo = plan.branding.logo { view["logo"] = ["url": logo.url, "width": logo.width, "height": logo.height] }
        return view
    }
}

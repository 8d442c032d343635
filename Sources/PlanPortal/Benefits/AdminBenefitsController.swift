import Foundation
import Hummingbird

/// Tag `admin-benefits`: the plan's benefit categories and benefit year, as the TPA sets them.
struct AdminBenefitsController: Sendable {
    let benefits: BenefitsRepository
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.put("benefits", use: putBenefits)
        group.get("benefits", use: getBenefits)
    }

    @Sendable func putBenefits(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeJSON(Benefits.self, limit: maxBodyBytes)
        try body.validate()
        return try .json(try await benefits.replace(plan: context.plan.slug, with: body, event: context.auditEvent("benefits.updated")))
    }

    @Sendable func getBenefits(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let stored = try await benefits.benefits(plan: context.plan.slug) else { throw Problem.benefitsNotConfigured }
        return try .json(stored)
    }
}

import Foundation
import Hummingbird

/// Tag `admin-benefits`: the plan's benefit categories and benefit year, as the TPA sets them.
public struct AdminBenefitsController: Sendable {
    let plans: any PlanRepository
    let benefits: BenefitsRepository
    let maxBodyBytes: Int

    public init(_ services: AppServices) {
        self.plans = services.plans
        self.benefits = services.benefits
        self.maxBodyBytes = services.config.maxJSONBodyBytes
    }

    public func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.put("plans/{plan}/benefits", use: putBenefits)
        group.get("plans/{plan}/benefits", use: getBenefits)
    }

    @Sendable func putBenefits(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        var request = request
        let body = try await request.decodeJSON(Benefits.self, limit: maxBodyBytes)
        try body.validate()
        guard try await plans.find(slug) != nil else { throw Problem.planNotFound }
        let stored = try await benefits.replace(plan: slug, with: body, event: context.adminAuditEvent("benefits.updated"))
        return try .json(stored)
    }

    @Sendable func getBenefits(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        guard try await plans.find(slug) != nil else { throw Problem.planNotFound }
        guard let stored = try await benefits.benefits(plan: slug) else { throw Problem.benefitsNotConfigured }
        return try .json(stored)
    }
}

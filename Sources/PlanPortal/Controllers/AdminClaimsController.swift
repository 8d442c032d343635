import Foundation
import Hummingbird

/// Tag `admin-claims`: the TPA's claim queue, decisions and status changes.
public struct AdminClaimsController: Sendable {
    let plans: any PlanRepository
    let claims: ClaimRepository
    let maxBodyBytes: Int

    public init(_ services: AppServices) {
        self.plans = services.plans
        self.claims = services.claims
        self.maxBodyBytes = services.config.maxJSONBodyBytes
    }

    public func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("plans/{plan}/claims", use: listClaims)
        group.post("plans/{plan}/claims/{claimId}/decision", use: decideClaim)
        group.post("plans/{plan}/claims/{claimId}/status", use: changeClaimStatus)
    }

    @Sendable func listClaims(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        let query = try ClaimListQuery(
            status: request.uri.queryParameters.get("status"), limit: request.uri.queryParameters.get("limit"),
            cursor: request.uri.queryParameters.get("cursor")
        )
        guard try await plans.find(slug) != nil else { throw Problem.planNotFound }
        return try .json(try await claims.list(plan: slug, accountID: nil, query: query), headers: [.cacheControl: "no-store"])
    }

    @Sendable func decideClaim(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        var request = request
        let decision = try await request.decodeJSON(ClaimDecision.self, limit: maxBodyBytes)
        try decision.validate()
        return try await apply(.decision(decision), plan: slug, action: "claim.decided", context: context)
    }

    @Sendable func changeClaimStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        var request = request
        let update = try await request.decodeJSON(ClaimStatusUpdate.self, limit: maxBodyBytes)
        try update.validate()
        return try await apply(.status(update.status, reason: update.reason), plan: slug, action: "claim.status_changed", context: context)
    }

    func apply(_ change: ClaimRepository.Change, plan slug: PlanSlug, action: String, context: AppRequestContext) async throws -> Response {
        guard let plan = try await plans.find(slug) else { throw Problem.planNotFound }
        guard let claimID = context.uuidParameter("claimId") else { throw Problem.claimNotFound }
        let detail = try await claims.transition(plan: plan, claimID: claimID, change: change, event: context.adminAuditEvent(action))
        return try .json(detail, headers: [.cacheControl: "no-store"])
    }
}

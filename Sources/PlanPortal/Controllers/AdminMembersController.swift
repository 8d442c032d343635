import Foundation
import Hummingbird

/// Tags `admin-roster` and `admin-plans`: the support view of a member and the plan's terms of use.
public struct AdminMembersController: Sendable {
    let plans: any PlanRepository
    let accounts: AccountRepository
    let maxBodyBytes: Int

    public init(plans: any PlanRepository, accounts: AccountRepository, maxBodyBytes: Int) {
        self.plans = plans
        self.accounts = accounts
        self.maxBodyBytes = maxBodyBytes
    }

    public func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("plans/{plan}/members/{certificateNumber}", use: getMember)
        group.put("plans/{plan}/terms", use: publishTerms)
    }

    @Sendable func getMember(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        guard try await plans.find(slug) != nil else { throw Problem.planNotFound }
        let certificate = context.parameters.get("certificateNumber") ?? ""
        guard MemberFieldRules.certificate(certificate).isEmpty,
              let record = try await accounts.member(plan: slug, certificate: certificate, event: context.adminAuditEvent("member.viewed"))
        else { throw Problem.memberNotFound }
        return try .json(record, headers: [.cacheControl: "no-store"])
    }

    public struct Published: Codable, Sendable {
        public var version: String
        public var publishedAt: Date
    }

    @Sendable func publishTerms(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        var request = request
        let body = try await request.decodeJSON(TermsPublication.self, limit: 512 * 1024)
        try body.validate()
        guard try await plans.find(slug) != nil else { throw Problem.planNotFound }
        let at = try await accounts.publishTerms(plan: slug, terms: body, event: context.adminAuditEvent("terms.published", details: .init(outcome: body.version)))
        return try .json(Published(version: body.version, publishedAt: at), status: .created)
    }
}

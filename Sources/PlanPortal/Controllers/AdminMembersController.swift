import Foundation
import Hummingbird

/// Tags `admin-roster` and `admin-plans`: the support view of a member and the plan's terms of use.
public struct AdminMembersController: Sendable {
    let accounts: AccountRepository

    public func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.get("members/{certificateNumber}", use: getMember)
        group.put("terms", use: publishTerms)
    }

    @Sendable func getMember(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let certificate = context.parameters.get("certificateNumber") ?? ""
        guard MemberFieldRules.certificate(certificate).isEmpty,
              let record = try await accounts.member(plan: context.plan.slug, certificate: certificate, event: context.auditEvent("member.viewed"))
        else { throw Problem.memberNotFound }
        return try .json(record, headers: [.cacheControl: "no-store"])
    }

    public struct Published: Codable, Sendable {
        public var version: String
        public var publishedAt: Date
    }

    @Sendable func publishTerms(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeJSON(TermsPublication.self, limit: 512 * 1024)
        try body.validate()
        let event = context.auditEvent("terms.published", details: .init(outcome: body.version))
        let at = try await accounts.publishTerms(plan: context.plan.slug, terms: body, event: event)
        return try .json(Published(version: body.version, publishedAt: at), status: .created)
    }
}

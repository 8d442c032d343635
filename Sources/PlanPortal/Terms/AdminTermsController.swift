import Hummingbird

/// Tag `admin-plans`: the plan's terms of use, which members accept at their next login.
struct AdminTermsController: Sendable {
    let terms: TermsRepository

    func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.put("terms", use: publishTerms)
    }

    @Sendable func publishTerms(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeJSON(TermsPublication.self, limit: 512 * 1024)
        try body.validate()
        let published = try await terms.publish(plan: context.plan.slug, terms: body, event: context.auditEvent("terms.published", details: .init(outcome: body.version)))
        return try .json(published, status: .created)
    }
}

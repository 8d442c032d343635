import Hummingbird

/// Tag `admin-roster`: the support view of one member, for a plan's staff.
struct MemberSupportController: Sendable {
    let members: MemberSupportRepository

    func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.get("members/{certificateNumber}", use: getMember)
    }

    @Sendable func getMember(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let certificate = context.parameters.get("certificateNumber") ?? ""
        guard MemberFieldRules.certificate(certificate).isEmpty,
              let record = try await members.member(plan: context.plan.slug, certificate: certificate, event: context.auditEvent("member.viewed"))
        else { throw Problem.memberNotFound }
        return try .json(record, headers: [.cacheControl: "no-store"])
    }
}

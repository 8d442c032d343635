import Hummingbird

/// Tag `admin-roster`: support's view of one member and what support does to their account. Each
/// handler calls one `MemberSupportOperations` operation of the same name, with the admin
/// request's audit event.
struct MemberSupportController: Sendable {
    let members: MemberSupportOperations

    func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.get("members/{certificateNumber}", use: getMember)
        group.post("members/{certificateNumber}/lock", use: lockMember)
        group.post("members/{certificateNumber}/unlock", use: unlockMember)
        group.delete("members/{certificateNumber}/sessions", use: revokeMemberSessions)
    }

    @Sendable func getMember(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let record = try await members.getMember(plan: context.plan, certificate: Self.certificate(context), event: context.auditEvent("member.viewed"))
        return try .json(record, headers: [.cacheControl: "no-store"])
    }

    @Sendable func lockMember(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let record = try await members.lockMember(plan: context.plan, certificate: Self.certificate(context), event: context.auditEvent("member.locked"))
        return try .json(record, headers: [.cacheControl: "no-store"])
    }

    @Sendable func unlockMember(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let record = try await members.unlockMember(plan: context.plan, certificate: Self.certificate(context), event: context.auditEvent("member.unlocked"))
        return try .json(record, headers: [.cacheControl: "no-store"])
    }

    @Sendable func revokeMemberSessions(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let revoked = try await members.revokeMemberSessions(
            plan: context.plan, certificate: Self.certificate(context), event: context.auditEvent("member.sessions_revoked")
        )
        return try .json(revoked, headers: [.cacheControl: "no-store"])
    }

    static func certificate(_ context: AdminPlanRequestContext) -> String {
        context.parameters.get("certificateNumber") ?? ""
    }
}

import Hummingbird

/// Tag `member-dependants`: a member's family as JSON. Each handler
/// decodes, calls one `DependantOperations` operation of the same name, encodes.
struct MemberDependantsController: Sendable {
    let dependants: DependantOperations
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<MemberRequestContext>) {
        group.get("me/dependants", use: listMyDependants)
    }

    @Sendable func listMyDependants(_ request: Request, context: MemberRequestContext) async throws -> Response {
        try .json(try await dependants.listMyDependants(plan: context.plan, session: context.session), headers: [.cacheControl: "no-store"])
    }

}

/// Tag `admin-dependants`: the dependants file.
struct AdminDependantsController: Sendable {
    let dependants: AdminDependantOperations
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.put("roster/dependants", use: importDependantRoster)
    }

    /// `text/csv` body; all lines valid or nothing applied (422 `roster_invalid`).
    @Sendable func importDependantRoster(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let text = try await AdminRosterController.csvBody(request)
        let result = try await dependants.importDependantRoster(plan: context.plan, csv: text, event: context.auditEvent("roster.dependants_imported"))
        return try .json(result)
    }

}

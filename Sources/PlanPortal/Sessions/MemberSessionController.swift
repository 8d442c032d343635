import Hummingbird

/// Tag `member-session`: terms of use, log in (RAMU step 10), log out and the member's profile,
/// as JSON. Each handler decodes, calls one `SessionOperations` operation of the same name, encodes.
struct MemberSessionController: Sendable {
    let sessions: SessionOperations
    let maxBodyBytes: Int

    func addRoutes(to plan: RouterGroup<PlanRequestContext>, member: RouterGroup<MemberRequestContext>) {
        plan.get("terms", use: getTerms)
        plan.post("sessions", use: createSession)
        member.delete("sessions/current", use: deleteCurrentSession)
        member.get("me", use: getMe)
    }

    @Sendable func getTerms(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let language = context.language(request)
        return try .json(try await sessions.getTerms(plan: context.plan, language: language), headers: .publicDocument(language))
    }

    @Sendable func createSession(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var request = request
        let input = try await request.decodeJSON(LoginRequest.self, limit: maxBodyBytes)
        let created = try await sessions.createSession(plan: context.plan, input: input, facts: context.facts(request))
        return try Response.json(created.value, status: .created, headers: [.cacheControl: "no-store"]).with(created.limits)
    }

    @Sendable func deleteCurrentSession(_ request: Request, context: MemberRequestContext) async throws -> Response {
        try await sessions.deleteCurrentSession(plan: context.plan, session: context.session, facts: context.facts(request))
        return Response(status: .noContent)
    }

    @Sendable func getMe(_ request: Request, context: MemberRequestContext) async throws -> Response {
        try .json(try await sessions.getMe(plan: context.plan, session: context.session), headers: [.cacheControl: "no-store"])
    }
}

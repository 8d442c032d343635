import Hummingbird

/// Tag `member-account`: the logged-in member's language, password and security question, as
/// JSON. Each handler decodes, calls one `AccountOperations` operation of the same name, encodes.
struct MemberAccountController: Sendable {
    let accounts: AccountOperations
    let maxBodyBytes: Int

    func addRoutes(to member: RouterGroup<MemberRequestContext>) {
        member.patch("me", use: updateMe)
        member.post("me/password", use: changePassword)
        member.put("me/security-question", use: putSecurityQuestion)
    }

    @Sendable func updateMe(_ request: Request, context: MemberRequestContext) async throws -> Response {
        var request = request
        let input = try await request.decodeJSON(MePatch.self, limit: maxBodyBytes)
        let me = try await accounts.updateMe(plan: context.plan, session: context.session, input: input, facts: context.facts(request))
        return try .json(me, headers: [.cacheControl: "no-store"])
    }

    @Sendable func changePassword(_ request: Request, context: MemberRequestContext) async throws -> Response {
        var request = request
        let input = try await request.decodeJSON(PasswordChange.self, limit: maxBodyBytes)
        let limits = try await accounts.changePassword(plan: context.plan, session: context.session, input: input, facts: context.facts(request))
        return Response(status: .noContent).with(limits)
    }

    @Sendable func putSecurityQuestion(_ request: Request, context: MemberRequestContext) async throws -> Response {
        var request = request
        let input = try await request.decodeJSON(SecurityQuestionChange.self, limit: maxBodyBytes)
        let limits = try await accounts.putSecurityQuestion(plan: context.plan, session: context.session, input: input, facts: context.facts(request))
        return Response(status: .noContent).with(limits)
    }
}

import Hummingbird

/// Tag `member-password-reset`: the forgotten-password flow as JSON. Each handler decodes, calls
/// one `PasswordResetOperations` operation of the same name, encodes.
struct MemberPasswordResetController: Sendable {
    let resets: PasswordResetOperations
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<PlanRequestContext>) {
        group.post("password-resets", use: requestPasswordReset)
        group.get("password-resets/{token}", use: getPasswordReset)
        group.post("password-resets/{token}", use: completePasswordReset)
    }

    /// Always 202, whether or not the e-mail has an account.
    @Sendable func requestPasswordReset(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var request = request
        let input = try await request.decodeJSON(PasswordResetRequest.self, limit: maxBodyBytes)
        let limits = try await resets.requestPasswordReset(plan: context.plan, input: input, facts: context.facts(request))
        return try Response.json(EmailSent(), status: .accepted).with(limits)
    }

    struct ResetInfo: Encodable, Sendable {
        var securityQuestion: LocalizedItem
    }

    @Sendable func getPasswordReset(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let language = context.language(request)
        let question = try await resets.getPasswordReset(plan: context.plan, token: try Self.token(context), language: language)
        return try .json(ResetInfo(securityQuestion: question), headers: [.contentLanguage: language.rawValue])
    }

    @Sendable func completePasswordReset(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let token = try Self.token(context)
        var request = request
        let input = try await request.decodeJSON(PasswordResetCompletion.self, limit: maxBodyBytes)
        try await resets.completePasswordReset(plan: context.plan, token: token, input: input, facts: context.facts(request))
        return Response(status: .noContent)
    }

    static func token(_ context: PlanRequestContext) throws -> LinkToken {
        guard let token = LinkToken(context.parameters.get("token") ?? "") else { throw Problem.resetNotFound }
        return token
    }
}

import Foundation
import Hummingbird

/// Tag `member-password-reset`: the forgotten-password flow (link by e-mail, then the security question).
public struct MemberPasswordResetController: MemberController {
    let deps: MemberDependencies

    public init(_ deps: MemberDependencies) {
        self.deps = deps
    }

    public func addRoutes(to group: RouterGroup<PlanRequestContext>) {
        group.post("password-resets", use: requestPasswordReset)
        group.get("password-resets/{token}", use: getPasswordReset)
        group.post("password-resets/{token}", use: completePasswordReset)
    }

    /// Always 202, whether or not the e-mail has an account.
    @Sendable func requestPasswordReset(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        var request = request
        let body = try await request.decodeJSON(PasswordResetRequest.self, limit: maxBodyBytes)
        let email = RegistrationStart.normalize(body.email)
        guard EmailAddress.isValid(email) else { throw Problem.invalidEmail }
        let limits = try await limit(
            RateLimitKey(.resetIp, plan: plan, context.remoteIP ?? "unknown"),
            RateLimitKey(.resetEmail, plan: plan, email),
            RateLimitKey(.resetChallenge, plan: plan, email)
        )
        if limits.challengeRequired {
            try await challenge.verify(token: body.challengeToken, plan: plan, remoteIP: context.remoteIP)
        }
        try await accounts.requestReset(plan: plan, email: body.email, facts: context.facts(request))
        return try Response.json(MemberRegistrationController.EmailSent(), status: .accepted).with(limits)
    }

    public struct ResetInfo: Codable, Sendable {
        public var securityQuestion: MemberRegistrationController.QuestionItem
    }

    @Sendable func getPasswordReset(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        let question = try await accounts.resetQuestion(plan: plan, token: try Self.token(context))
        let language = context.language(request)
        return try .json(ResetInfo(securityQuestion: .init(id: question.id, text: question.text(language))), headers: [.contentLanguage: language.rawValue])
    }

    @Sendable func completePasswordReset(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        let token = try Self.token(context)
        var request = request
        let body = try await request.decodeJSON(PasswordResetCompletion.self, limit: maxBodyBytes)
        try await accounts.completeReset(plan: plan, token: token, completion: body, hasher: hasher, facts: context.facts(request))
        return Response(status: .noContent)
    }

    static func token(_ context: PlanRequestContext) throws -> String {
        do {
            return try MemberRegistrationController.token(context)
        } catch {
            throw Problem.resetNotFound
        }
    }
}

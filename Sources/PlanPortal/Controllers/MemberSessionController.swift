import Foundation
import Hummingbird

/// Tag `member-session`: terms of use, login (seed step 10), logout and the member's profile.
public struct MemberSessionController: MemberController {
    let deps: MemberDependencies

    public init(_ deps: MemberDependencies) {
        self.deps = deps
    }

    public func addRoutes(to group: RouterGroup<PlanRequestContext>, member: RouterGroup<MemberRequestContext>) {
        group.get("terms", use: getTerms)
        group.post("sessions", use: createSession)
        member.delete("sessions/current", use: deleteCurrentSession)
        member.get("me", use: getMe)
    }

    @Sendable func getTerms(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        let language = context.language(request)
        guard let terms = try await accounts.currentTerms(plan: plan.slug, language: language) else { throw Problem.termsNotFound }
        return try .json(terms, headers: [.contentLanguage: language.rawValue])
    }

    @Sendable func createSession(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        var request = request
        let login = try await request.decodeJSON(LoginRequest.self, limit: maxBodyBytes)
        let email = RegistrationStart.normalize(login.email)
        let ip = context.remoteIP ?? "unknown"
        let pair = RateLimitKey(.loginPair, plan: plan, email, ip)
        let perEmail = RateLimitKey(.loginEmail, plan: plan, email)
        let perAccount = RateLimitKey(.loginAccount, plan: plan, email)
        // Counted before the password is checked, so parallel guesses cannot slip past a threshold;
        // a success takes its hit back.
        let limits = try await limiter.hit([pair, perEmail, perAccount])
        try limits.enforce()
        if limits.challengeRequired {
            do {
                try await challenge.verify(token: login.challengeToken, plan: plan, remoteIP: context.remoteIP)
            } catch {
                // Only verified passwords count toward the account's hard cap: an attacker without
                // solved challenges cannot push a victim into 429.
                try await limiter.refund([perAccount])
                throw error
            }
        }
        let session = try await accounts.login(plan: plan, request: login, hasher: hasher, facts: context.facts(request))
        try await limiter.refund([pair, perEmail, perAccount], resetting: pair)
        return try Response.json(session, status: .created, headers: [.cacheControl: "no-store"]).with(limits)
    }

    @Sendable func deleteCurrentSession(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let plan = context.plan
        let (token, accountID) = (context.session.token, context.session.accountID)
        try await accounts.logout(plan: plan.slug, token: token, accountID: accountID, facts: context.facts(request))
        return Response(status: .noContent)
    }

    @Sendable func getMe(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let plan = context.plan
        let accountID = context.session.accountID
        guard let me = try await accounts.me(plan: plan.slug, accountID: accountID) else { throw Problem.sessionRequired }
        return try .json(me, headers: [.cacheControl: "no-store"])
    }
}

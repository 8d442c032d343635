import Foundation

/// The member-session operations (tag `member-session`: terms of use, log in, log out, profile)
/// for every presentation: the limits, the challenge, the give-backs, the audit trail are applied
/// here, so no caller can skip one. Failures are `Problem`s (stable `code`, French and English text).
struct SessionOperations: Sendable {
    let sessions: SessionRepository
    let terms: TermsRepository
    let audit: AuditRepository
    let limiter: RateLimiter
    let challenge: ChallengeVerifier
    let hasher: PasswordHasher

    /// `getTerms`: the newest published terms in `language`; `terms_not_found` before any.
    func getTerms(plan: Plan, language: Language) async throws -> Terms {
        guard let current = try await terms.current(plan: plan.slug, language: language) else { throw Problem.termsNotFound }
        return current
    }

    /// `createSession`: log in (RAMU step 10). Every attempt is counted before the password is
    /// checked, so parallel guesses cannot slip past a threshold; past the per-(e-mail, address) or
    /// per-e-mail threshold a solved challenge is needed; a success takes its hits back, so only
    /// failures accumulate and nothing locks an account for good.
    func createSession(plan: Plan, input: LoginRequest, facts: RequestFacts) async throws -> Limited<NewSession> {
        let email = EmailAddress.normalize(input.email)
        let pair = RateLimitKey(.loginPair, plan: plan, email, facts.rateLimitAddress)
        let perEmail = RateLimitKey(.loginEmail, plan: plan, email)
        let perAccount = RateLimitKey(.loginAccount, plan: plan, email)
        let limits = try await limiter.limit(pair, perEmail, perAccount)
        if limits.challengeRequired {
            do {
                try await challenge.verify(token: input.challengeToken, plan: plan, remoteIP: facts.ip)
            } catch {
                // Only verified passwords count toward the account's hard cap: an attacker without
                // solved challenges cannot push a victim into 429.
                try await limiter.refund([perAccount])
                throw error
            }
        }
        let session = try await logIn(plan: plan, email: email, input: input, facts: facts)
        try await limiter.refund([pair, perEmail, perAccount], resetting: pair)
        return Limited(value: session, limits: limits)
    }

    /// The password, the account's state and the terms, once the limits let the attempt through.
    /// An unknown e-mail is verified against a dummy hash, so it costs what a known one costs.
    private func logIn(plan: Plan, email: String, input: LoginRequest, facts: RequestFacts) async throws -> NewSession {
        guard let account = try await sessions.credentials(plan: plan.slug, email: email) else {
            _ = try await hasher.verify(input.password, against: try await hasher.dummyHash(plan.argon2))
            try await audit.append(facts.event("login.failure", details: .init(outcome: "invalid_credentials")), plan: plan.slug)
            throw Problem.invalidCredentials
        }
        let actor = AuditActor.member(account.accountID)
        guard try await hasher.verify(input.password, against: account.passwordHash) else {
            try await audit.append(facts.event("login.failure", actor: actor, details: .init(outcome: "invalid_credentials")), plan: plan.slug)
            throw Problem.invalidCredentials
        }
        guard account.status == .active else {
            try await audit.append(facts.event("login.failure", actor: actor, details: .init(outcome: "account_locked")), plan: plan.slug)
            throw Problem.accountLocked
        }
        var accepting: String?
        if let current = account.currentTerms, current != account.acceptedTerms {
            guard input.acceptTerms == true, input.termsVersion == current else { throw Problem.termsAcceptanceRequired(current) }
            accepting = current
        }
        // A plan that raised its Argon2 cost gets the stronger hash at the member's next login.
        let rehash = PasswordHasher.needsRehash(account.passwordHash, parameters: plan.argon2)
            ? try await hasher.hash(input.password, parameters: plan.argon2) : nil
        let token = SecretToken.generate()
        let expiresAt = try await sessions.open(
            plan: plan, token: token, accountID: account.accountID, acceptingTerms: accepting, rehash: rehash, facts: facts
        )
        return NewSession(accessToken: token, expiresAt: expiresAt, termsVersion: account.currentTerms)
    }

    /// The live session `token` proves on this plan (sliding idle timeout), or nil: what the JSON
    /// API's bearer check and a portal's cookie check both ask.
    func authenticate(plan: Plan, token: String) async throws -> MemberSession? {
        try await sessions.authenticate(plan: plan, token: token).map { MemberSession(accountID: $0, token: token) }
    }

    /// `deleteCurrentSession`: log out (this session only).
    func deleteCurrentSession(plan: Plan, session: MemberSession, facts: RequestFacts) async throws {
        try await sessions.revoke(plan: plan.slug, session: session, facts: facts)
    }

    /// `getMe`: the member's profile.
    func getMe(plan: Plan, session: MemberSession) async throws -> Me {
        guard let me = try await sessions.profile(plan: plan.slug, accountID: session.accountID) else { throw Problem.sessionRequired }
        return me
    }
}

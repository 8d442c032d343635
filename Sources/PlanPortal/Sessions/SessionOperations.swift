import Foundation
import Logging
import Metrics

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
    let logger: Logger
    /// Where `planportal_login_under_attack_switches_total` is counted.
    var metrics: any MetricsFactory = MetricsSystem.factory

    /// `getTerms`: the newest published terms in `language`; `terms_not_found` before any.
    func getTerms(plan: Plan, language: Language) async throws -> Terms {
        guard let current = try await terms.current(plan: plan.slug, language: language) else { throw Problem.termsNotFound }
        return current
    }

    /// `createSession`: log in (RAMU step 10). Before any hashing, one statement counts the
    /// attempt on every login counter and reads the account, so parallel guesses cannot slip past
    /// a threshold. A solved challenge is needed past the per-(e-mail, address), per-e-mail and
    /// per-address thresholds, or while the plan is under attack; 429 past the account's cap. A
    /// live device token of the account lifts the per-e-mail threshold and the account cap (until
    /// 10 failed passwords with it). A success takes its hits back, so only failures accumulate
    /// and nothing locks an account for good.
    func createSession(plan: Plan, input: LoginRequest, facts: RequestFacts) async throws -> Limited<NewSession> {
        let email = EmailAddress.normalize(input.email)
        let presented = try input.presentedDeviceToken()
        let keys = LoginKeys(plan: plan, email: email, address: facts.rateLimitAddress)
        let attempt = try await sessions.beginLogin(plan: plan, email: email, keys: limiter.enabled ? keys.all : [], deviceToken: presented)
        let exempt = attempt.deviceFailures.map { $0 <= DeviceTokens.maxFailures } ?? false
        let limits = exempt ? attempt.limits.excluding(keys.liftedByDeviceToken) : attempt.limits
        try await recordAttackSwitch(plan: plan, state: limits.state(of: keys.planFailures), recorded: attempt.recordedUnderAttack)
        try limits.enforce()
        if limits.challengeRequired {
            do {
                try await challenge.verify(token: input.challengeToken, plan: plan, remoteIP: facts.ip)
            } catch {
                // Only verified passwords count toward the account's hard cap: an attacker without
                // solved challenges cannot push a victim into 429.
                try await limiter.refund([keys.perAccount])
                throw error
            }
        }
        let success = SessionRepository.LoginSuccess(
            refund: limiter.enabled ? keys.all : [], resetting: keys.pair, newDeviceToken: SecretToken.generate(), presentedDeviceToken: presented
        )
        let session = try await logIn(plan: plan, input: input, account: attempt.account, success: success, facts: facts)
        // The give-back touches only the (unlogged) counters, after the session's commit: the
        // shared counters' rows are never held while a commit waits for its WAL flush. The session
        // exists by now, so a give-back that fails (PostgreSQL gone a moment) is logged, not
        // answered: the member is logged in, and their counters simply keep this one hit.
        do {
            try await limiter.refund(success.refund, resetting: success.resetting)
        } catch {
            logger.warning("login give-back failed after the session was opened", metadata: ["error": "\(SafeError.describe(error))"])
        }
        return Limited(value: session, limits: limits)
    }

    /// The password, the account's state and the terms, once the limits let the attempt through.
    /// An unknown e-mail is verified against a dummy hash, so it costs what a known one costs.
    private func logIn(
        plan: Plan, input: LoginRequest, account: SessionRepository.Credentials?, success: SessionRepository.LoginSuccess, facts: RequestFacts
    ) async throws -> NewSession {
        guard let account else {
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
            plan: plan, token: token, accountID: account.accountID, verifiedHash: account.passwordHash, acceptingTerms: accepting, rehash: rehash,
            success: success, facts: facts
        )
        return NewSession(accessToken: token, expiresAt: expiresAt, termsVersion: account.currentTerms, deviceToken: success.newDeviceToken)
    }

    /// Records a switch of the plan's "under attack" state (`loginPlanFailures`) once, whichever
    /// request or replica sees it first, with a log line and `planportal_login_under_attack_switches_total`.
    private func recordAttackSwitch(plan: Plan, state: RateLimitState?, recorded: Bool) async throws {
        guard let state, state.exceeded != recorded else { return }
        guard try await sessions.switchUnderAttack(plan: plan.slug, to: state.exceeded) else { return }
        let switched = state.exceeded ? "on" : "off"
        Counter(label: "planportal_login_under_attack_switches_total", dimensions: [("plan", plan.slug.value), ("state", switched)], factory: metrics)
            .increment()
        logger.warning(
            state.exceeded ? "plan under attack: every login needs a challenge" : "plan no longer under attack",
            metadata: ["plan": "\(plan.slug)", "failed_logins": "\(state.hits)", "limit": "\(state.key.rule.limit)", "window_seconds": "\(state.key.rule.windowSeconds)"]
        )
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

/// The counters a login hits, all before any hashing.
struct LoginKeys {
    let pair: RateLimitKey
    let perEmail: RateLimitKey
    let perAccount: RateLimitKey
    /// Failed logins from the client's address, across plans.
    let perAddress: RateLimitKey
    /// Failed logins of the whole plan.
    let planFailures: RateLimitKey

    init(plan: Plan, email: String, address: String) {
        pair = RateLimitKey(.loginPair, plan: plan, email, address)
        perEmail = RateLimitKey(.loginEmail, plan: plan, email)
        perAccount = RateLimitKey(.loginAccount, plan: plan, email)
        perAddress = RateLimitKey(.loginIp, plan: plan, address)
        planFailures = RateLimitKey(.loginPlanFailures, plan: plan)
    }

    var all: [RateLimitKey] { [pair, perEmail, perAccount, perAddress, planFailures] }

    /// What a live device token of the account lifts: the flood of one e-mail cannot lock its owner out.
    var liftedByDeviceToken: [RateLimitKey] { [perEmail, perAccount] }
}

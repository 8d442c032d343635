/// The forgotten-password operations (tag `member-password-reset`) for every presentation: link
/// by e-mail, then the security question. Limits, challenge, audit and e-mail are applied here.
struct PasswordResetOperations: Sendable {
    let resets: PasswordResetRepository
    let limiter: RateLimiter
    let challenge: ChallengeVerifier
    let hasher: PasswordHasher

    /// Every `requestPasswordReset` answer takes at least this long, whether the e-mail has an
    /// account (a link and its e-mail are written) or not (only an audit event): its timing tells
    /// nothing. Well above what either path takes on a loaded server.
    static let minimumRequestDuration = Duration.milliseconds(300)

    /// `requestPasswordReset`: the same answer, after the same time, whether or not the e-mail has
    /// an account. Limited per address and per e-mail; from the third request per e-mail a solved
    /// challenge is needed.
    func requestPasswordReset(plan: Plan, input: PasswordResetRequest, facts: RequestFacts) async throws -> RateLimitOutcome {
        let started = ContinuousClock.now
        let email = EmailAddress.normalize(input.email)
        guard EmailAddress.isValid(email) else { throw Problem.invalidEmail }
        do {
            let limits = try await limiter.limit(
                RateLimitKey(.resetIp, plan: plan, facts.rateLimitAddress),
                RateLimitKey(.resetEmail, plan: plan, email),
                RateLimitKey(.resetChallenge, plan: plan, email)
            )
            if limits.challengeRequired {
                try await challenge.verify(token: input.challengeToken, plan: plan, remoteIP: facts.ip)
            }
            try await resets.request(plan: plan, email: email, facts: facts)
            try await Task.sleep(until: started + Self.minimumRequestDuration)
            return limits
        } catch {
            try? await Task.sleep(until: started + Self.minimumRequestDuration)
            throw error
        }
    }

    /// `getPasswordReset`: the security question of a link, in `language`, without using the link.
    func getPasswordReset(plan: Plan, token: LinkToken, language: Language) async throws -> LocalizedItem {
        let link = try await resets.link(plan: plan.slug, token: token)
        let question = plan.securityQuestions.first { $0.id == link.questionID }
            ?? SecurityQuestion.defaults.first { $0.id == link.questionID }
            ?? SecurityQuestion(id: link.questionID, textFr: link.questionID, textEn: link.questionID)
        return LocalizedItem(id: question.id, text: question.text(language))
    }

    /// `completePasswordReset`: limited per address; checks the answer (each check takes one of
    /// the link's five tries before hashing, a right answer gives it back), sets the new password,
    /// uses up the link and ends every session and device token of the account.
    func completePasswordReset(plan: Plan, token: LinkToken, input: PasswordResetCompletion, facts: RequestFacts) async throws {
        try input.validateBeforeToken(plan: plan)
        _ = try await limiter.limit(RateLimitKey(.resetCompletionIp, plan: plan, facts.rateLimitAddress))
        let shown = try await resets.link(plan: plan.slug, token: token)
        try plan.passwordPolicy.check(input.password, email: shown.email)
        let link = try await resets.takeTry(plan: plan.slug, token: token)
        guard try await hasher.verify(SecurityQuestion.normalizedAnswer(input.securityAnswer), against: link.answerHash) else {
            try await resets.recordWrongAnswer(plan: plan.slug, accountID: link.accountID, facts: facts)
            throw Problem.securityAnswerMismatch
        }
        let passwordHash = try await hasher.hash(input.password, parameters: plan.argon2)
        try await resets.complete(plan: plan.slug, token: token, accountID: link.accountID, passwordHash: passwordHash, facts: facts)
    }
}

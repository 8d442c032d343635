/// The forgotten-password operations (tag `member-password-reset`) for every presentation: link
/// by e-mail, then the security question. Limits, challenge, audit and e-mail are applied here.
struct PasswordResetOperations: Sendable {
    let resets: PasswordResetRepository
    let limiter: RateLimiter
    let challenge: ChallengeVerifier
    let hasher: PasswordHasher

    /// `requestPasswordReset`: the same answer whether or not the e-mail has an account. Limited
    /// per address and per e-mail; from the third request per e-mail a solved challenge is needed.
    func requestPasswordReset(plan: Plan, input: PasswordResetRequest, facts: RequestFacts) async throws -> RateLimitOutcome {
        let email = EmailAddress.normalize(input.email)
        guard EmailAddress.isValid(email) else { throw Problem.invalidEmail }
        let limits = try await limiter.limit(
            RateLimitKey(.resetIp, plan: plan, facts.rateLimitAddress),
            RateLimitKey(.resetEmail, plan: plan, email),
            RateLimitKey(.resetChallenge, plan: plan, email)
        )
        if limits.challengeRequired {
            try await challenge.verify(token: input.challengeToken, plan: plan, remoteIP: facts.ip)
        }
        try await resets.request(plan: plan, email: email, facts: facts)
        return limits
    }

    /// `getPasswordReset`: the security question of a link, in `language`, without using the link.
    func getPasswordReset(plan: Plan, token: LinkToken, language: Language) async throws -> LocalizedItem {
        let link = try await resets.link(plan: plan.slug, token: token)
        let question = plan.securityQuestions.first { $0.id == link.questionID }
            ?? SecurityQuestion.defaults.first { $0.id == link.questionID }
            ?? SecurityQuestion(id: link.questionID, textFr: link.questionID, textEn: link.questionID)
        return LocalizedItem(id: question.id, text: question.text(language))
    }

    /// `completePasswordReset`: checks the answer (a wrong one counts against the link), sets the
    /// new password, uses up the link and ends every session of the account.
    func completePasswordReset(plan: Plan, token: LinkToken, input: PasswordResetCompletion, facts: RequestFacts) async throws {
        try input.validateBeforeToken(plan: plan)
        let link = try await resets.link(plan: plan.slug, token: token)
        try plan.passwordPolicy.check(input.password, email: link.email)
        guard try await hasher.verify(SecurityQuestion.normalizedAnswer(input.securityAnswer), against: link.answerHash) else {
            try await resets.recordWrongAnswer(plan: plan.slug, token: token, accountID: link.accountID, facts: facts)
            throw Problem.securityAnswerMismatch
        }
        let passwordHash = try await hasher.hash(input.password, parameters: plan.argon2)
        try await resets.complete(plan: plan.slug, token: token, accountID: link.accountID, passwordHash: passwordHash, facts: facts)
    }
}

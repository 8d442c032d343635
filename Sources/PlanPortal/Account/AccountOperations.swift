/// The logged-in member's own settings (tag `member-account`: language, password, security
/// question) for every presentation. A credential change needs the current password; its Argon2
/// check is limited per account and per address before any hash is computed, so a stolen session
/// cannot guess the password; a success takes its hits back. Audit and notice e-mails are applied here.
struct AccountOperations: Sendable {
    let accounts: AccountRepository
    let sessions: SessionRepository
    let limiter: RateLimiter
    let hasher: PasswordHasher

    /// `updateMe`: the member's language (their e-mails' and, in the portal, their pages').
    func updateMe(plan: Plan, session: MemberSession, input: MePatch, facts: RequestFacts) async throws -> Me {
        try input.validate()
        if let locale = input.locale {
            try await accounts.setLocale(plan: plan.slug, accountID: session.accountID, locale: locale, facts: facts)
        }
        guard let me = try await sessions.profile(plan: plan.slug, accountID: session.accountID) else { throw Problem.sessionRequired }
        return me
    }

    /// `changePassword`: the current password, then the new one (the plan's policy); every other
    /// session of the account ends, pending reset links stop working, a notice is e-mailed.
    func changePassword(plan: Plan, session: MemberSession, input: PasswordChange, facts: RequestFacts) async throws -> RateLimitOutcome {
        try input.validate()
        let account = try await activeAccount(plan: plan, session: session)
        try plan.passwordPolicy.check(input.newPassword, email: account.email, field: "newPassword")
        let limits = try await verifyCurrentPassword(input.currentPassword, of: account, plan: plan, action: "password.change_failed", facts: facts)
        let passwordHash = try await hasher.hash(input.newPassword, parameters: plan.argon2)
        try await accounts.changePassword(plan: plan, account: account, passwordHash: passwordHash, keeping: session, facts: facts)
        return limits
    }

    /// `putSecurityQuestion`: the current password, then a question of the plan's list and its answer.
    func putSecurityQuestion(plan: Plan, session: MemberSession, input: SecurityQuestionChange, facts: RequestFacts) async throws -> RateLimitOutcome {
        try input.validate(plan: plan)
        let account = try await activeAccount(plan: plan, session: session)
        let limits = try await verifyCurrentPassword(
            input.currentPassword, of: account, plan: plan, action: "security_question.change_failed", facts: facts
        )
        let answerHash = try await hasher.hash(SecurityQuestion.normalizedAnswer(input.securityAnswer), parameters: plan.argon2)
        try await accounts.changeSecurityQuestion(plan: plan, account: account, questionID: input.securityQuestionId, answerHash: answerHash, facts: facts)
        return limits
    }

    private func activeAccount(plan: Plan, session: MemberSession) async throws -> AccountRepository.Account {
        guard let account = try await accounts.account(plan: plan.slug, id: session.accountID) else { throw Problem.sessionRequired }
        return account
    }

    /// Counts the check per account and per address (429 over either), then verifies; a wrong
    /// password is audited as `action` and answered 422 `current_password_incorrect`.
    private func verifyCurrentPassword(
        _ password: String, of account: AccountRepository.Account, plan: Plan, action: String, facts: RequestFacts
    ) async throws -> RateLimitOutcome {
        let perAccount = RateLimitKey(.currentPasswordAccount, plan: plan, account.id.uuidString)
        let perAddress = RateLimitKey(.currentPasswordIp, plan: plan, facts.rateLimitAddress)
        let limits = try await limiter.limit(perAccount, perAddress)
        guard try await hasher.verify(password, against: account.passwordHash) else {
            try await accounts.recordWrongPassword(plan: plan.slug, accountID: account.id, action: action, facts: facts)
            throw Problem.currentPasswordIncorrect
        }
        try await limiter.refund([perAccount, perAddress])
        return limits
    }
}

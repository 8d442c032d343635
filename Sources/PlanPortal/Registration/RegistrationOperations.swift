import Foundation

/// The registration operations (tag `member-registration`, RAMU steps 3-9: from the
/// institutional e-mail to the active account) for every presentation: limits, the challenge,
/// the roster match, e-mails and the audit trail are applied here, so no caller can skip one.
struct RegistrationOperations: Sendable {
    let registrations: RegistrationRepository
    let limiter: RateLimiter
    let challenge: ChallengeVerifier
    let hasher: PasswordHasher

    /// `startRegistration`: the institutional e-mail twice, limited per address.
    func startRegistration(plan: Plan, input: RegistrationStart, facts: RequestFacts) async throws -> Limited<RegistrationStarted> {
        let email = try input.validatedEmail(for: plan)
        let limits = try await limiter.limit(RateLimitKey(.registrationIp, plan: plan, "start", facts.rateLimitAddress))
        let started = try await registrations.start(plan: plan, email: email, locale: input.locale ?? plan.defaultLocale, facts: facts)
        return Limited(value: started, limits: limits)
    }

    /// `submitIdentity`: names, date of birth, certificate number and a solved challenge. The
    /// caller gets the same answer matched or not; only the e-mail (or its absence) and the audit
    /// trail differ. Shapes first, then the limits, then the challenge, then the roster; a refused
    /// challenge leaves the registration usable.
    func submitIdentity(plan: Plan, registrationID: UUID, input: IdentitySubmission, facts: RequestFacts) async throws -> RateLimitOutcome {
        try input.validate()
        let limits = try await limiter.limit(
            RateLimitKey(.registrationIp, plan: plan, "identity", facts.rateLimitAddress),
            RateLimitKey(.identityCertificate, plan: plan, MatchKey.certificate(input.certificateNumber))
        )
        try await challenge.verify(token: input.challengeToken, plan: plan, remoteIP: facts.ip)
        try await registrations.submitIdentity(plan: plan, registrationID: registrationID, identity: input, facts: facts)
        return limits
    }

    /// `resendActivation`: another activation e-mail (older links stop working), at most one a
    /// minute and five a day per registration. Silent when there is nothing to send.
    func resendActivation(plan: Plan, registrationID: UUID, facts: RequestFacts) async throws -> RateLimitOutcome {
        let limits = try await limiter.limit(
            RateLimitKey(.registrationIp, plan: plan, "resend", facts.rateLimitAddress),
            RateLimitKey(.resendInterval, plan: plan, registrationID.uuidString),
            RateLimitKey(.resendDaily, plan: plan, registrationID.uuidString)
        )
        try await registrations.resend(plan: plan, registrationID: registrationID, facts: facts)
        return limits
    }

    /// `getActivation`: whether a link can be used. Never consumes it: mail scanners prefetch links.
    func getActivation(plan: Plan, token: LinkToken) async throws -> ActivationStatus {
        let activation = try await registrations.activation(plan: plan.slug, token: token)
        return ActivationStatus(expiresAt: activation.expiresAt, email: activation.email)
    }

    /// `activateAccount`: limited per address; the identity again (each check takes one of the
    /// link's five tries first, atomically, and a match gives it back), then the password and
    /// security answer, hashed with the plan's Argon2 cost, and the account.
    func activateAccount(plan: Plan, token: LinkToken, input: ActivationSubmission, facts: RequestFacts) async throws -> RateLimitOutcome {
        let limits = try await limiter.limit(RateLimitKey(.activationIp, plan: plan, facts.rateLimitAddress))
        try input.validateBeforeToken(plan: plan)
        let activation = try await registrations.activation(plan: plan.slug, token: token)
        try input.validate(plan: plan, email: activation.email)
        try await registrations.takeIdentityTry(plan: plan.slug, token: token)
        guard try await registrations.identityMatches(
            plan: plan.slug, memberID: activation.memberID, certificateNumber: input.certificateNumber, dateOfBirth: input.dateOfBirth
        ) else {
            try await registrations.recordIdentityMismatch(plan: plan.slug, token: token, facts: facts)
            throw Problem.identityMismatch
        }
        let passwordHash = try await hasher.hash(input.password, parameters: plan.argon2)
        let answerHash = try await hasher.hash(SecurityQuestion.normalizedAnswer(input.securityAnswer), parameters: plan.argon2)
        try await registrations.createAccount(
            plan: plan.slug, token: token, activation: activation, passwordHash: passwordHash,
            securityQuestionID: input.securityQuestionId, answerHash: answerHash, facts: facts
        )
        return limits
    }

    /// `listSecurityQuestions`: the plan's questions in `language`.
    func listSecurityQuestions(plan: Plan, language: Language) -> [LocalizedItem] {
        plan.securityQuestions.map { LocalizedItem(id: $0.id, text: $0.text(language)) }
    }

    /// `getPasswordPolicy`: the plan's password rules, with their texts in `language`.
    func getPasswordPolicy(plan: Plan, language: Language) -> PasswordPolicyView {
        PasswordPolicyView(plan.passwordPolicy, language: language)
    }
}

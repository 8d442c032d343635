import Foundation
import Logging
import PostgresNIO

/// Registrations, identity matching against the roster, activation links and their e-mails, and
/// the accounts activation creates (RAMU steps 3-9). A registration and its links live 24 hours.
struct RegistrationRepository: Sendable {
    /// Mismatches after which an activation token is dead.
    static let maxActivationFailures = 5

    let client: Database
    let audit: AuditRepository
    let outbox: Outbox
    let webhooks: WebhookOutbox
    let logger: Logger

    func start(plan: Plan, email: String, locale: Language, facts: RequestFacts) async throws -> RegistrationStarted {
        try await client.transaction(logger: logger) { tx in
            let rows = try await tx.query(
                """
                INSERT INTO \(schema: plan.slug).registrations (email, locale, expires_at)
                VALUES (\(email), \(locale), now() + interval '24 hours')
                RETURNING id, expires_at
                """,
                logger: logger
            )
            guard let (id, expires) = try await rows.decode((UUID, Date).self).one() else { throw Problem.internalError }
            try await audit.append(facts.event("registration.started"), plan: plan.slug, on: tx)
            return RegistrationStarted(registrationId: id, expiresAt: expires)
        }
    }

    /// RAMU step 6. Same outcome for the caller whether or not the roster matched; only the
    /// e-mail (or its absence) and the audit trail differ.
    func submitIdentity(plan: Plan, registrationID: UUID, identity: IdentitySubmission, facts: RequestFacts) async throws {
        try await client.transaction(logger: logger) { tx in
            let registration = try await lockedRegistration(plan: plan, id: registrationID, on: tx)
            let members = try await tx.query(
                """
                SELECT id, email FROM \(schema: plan.slug).members
                WHERE certificate_number = \(MatchKey.certificate(identity.certificateNumber))
                  AND date_of_birth = \(identity.dateOfBirth)::date
                  AND last_name_key = \(MatchKey.name(identity.lastName))
                  AND first_name_key = \(MatchKey.name(identity.firstName))
                """,
                logger: logger
            )
            let member = try await members.decode((UUID, String?).self).one()
            guard let (memberID, rosterEmail) = member, rosterEmail == nil || rosterEmail == registration.email else {
                let outcome = member == nil ? "unmatched" : "email_differs_from_roster"
                try await audit.append(facts.event("identity.unmatched", details: .init(outcome: outcome)), plan: plan.slug, on: tx)
                return
            }
            try await audit.append(facts.event("identity.matched"), plan: plan.slug, on: tx)
            let account = try await tx.query(
                "SELECT email, locale FROM \(schema: plan.slug).accounts WHERE member_id = \(memberID)", logger: logger
            ).decode((String, Language).self).one()
            try await tx.query(
                "UPDATE \(schema: plan.slug).registrations SET member_id = \(memberID) WHERE id = \(registrationID)",
                logger: logger
            )
            if let (accountEmail, accountLocale) = account {
                // To the account's own address, never to the one typed at registration: whoever
                // knows a member's identity must not learn from their own inbox that an account exists.
                let message = MailTemplates.alreadyRegistered(
                    plan: plan, language: accountLocale, to: accountEmail, link: "\(plan.portalUrl)/password-reset"
                )
                try await outbox.enqueue(message, kind: "already_registered", plan: plan.slug, on: tx)
                try await audit.append(facts.event("email.queued", details: .init(outcome: "already_registered")), plan: plan.slug, on: tx)
            } else {
                try await queueActivation(plan: plan, registrationID: registrationID, registration: registration, facts: facts, on: tx)
            }
        }
    }

    /// Another activation e-mail for a matched registration (older links stop working). Silent
    /// when the registration never matched or is already activated, so it reveals nothing.
    func resend(plan: Plan, registrationID: UUID, facts: RequestFacts) async throws {
        try await client.transaction(logger: logger) { tx in
            let registration = try await lockedRegistration(plan: plan, id: registrationID, on: tx)
            guard let memberID = registration.memberID else { return }
            let accounts = try await tx.query("SELECT 1 FROM \(schema: plan.slug).accounts WHERE member_id = \(memberID)", logger: logger)
            guard try await !accounts.exists else { return }
            try await queueActivation(plan: plan, registrationID: registrationID, registration: registration, facts: facts, on: tx)
        }
    }

    struct Registration {
        var email: String
        var locale: Language
        var memberID: UUID?
    }

    private func lockedRegistration(plan: Plan, id: UUID, on tx: PostgresConnection) async throws -> Registration {
        let rows = try await tx.query(
            """
            SELECT email, locale, member_id, expires_at > now()
            FROM \(schema: plan.slug).registrations WHERE id = \(id) FOR UPDATE
            """,
            logger: logger
        )
        guard let (email, locale, memberID, live) = try await rows.decode((String, Language, UUID?, Bool).self).one() else {
            throw Problem.registrationNotFound
        }
        guard live else { throw Problem.registrationExpired }
        return Registration(email: email, locale: locale, memberID: memberID)
    }

    private func queueActivation(plan: Plan, registrationID: UUID, registration: Registration, facts: RequestFacts, on tx: PostgresConnection) async throws {
        let token = SecretToken.generate()
        try await tx.query(
            """
            UPDATE \(schema: plan.slug).activation_tokens SET superseded_at = now()
            WHERE registration_id = \(registrationID) AND used_at IS NULL AND superseded_at IS NULL
            """,
            logger: logger
        )
        try await tx.query(
            """
            INSERT INTO \(schema: plan.slug).activation_tokens (token_hash, registration_id, expires_at)
            VALUES (\(ByteBuffer(bytes: SecretToken.digest(token))), \(registrationID), now() + interval '24 hours')
            """,
            logger: logger
        )
        try await tx.query(
            """
            UPDATE \(schema: plan.slug).registrations SET last_email_at = now(), emails_sent = emails_sent + 1
            WHERE id = \(registrationID)
            """,
            logger: logger
        )
        let message = MailTemplates.activation(
            plan: plan, language: registration.locale, to: registration.email, link: "\(plan.portalUrl)/activation?token=\(token)"
        )
        try await outbox.enqueue(message, kind: "activation", plan: plan.slug, on: tx)
        try await audit.append(facts.event("email.queued", details: .init(outcome: "activation")), plan: plan.slug, on: tx)
    }

    // MARK: Activation (RAMU step 9)

    /// A usable activation link: its registration, the member it matched and the address it was sent to.
    struct Activation {
        var registrationID: UUID
        var memberID: UUID
        var email: String
        var locale: Language
        var expiresAt: Date
    }

    /// The link of `token`, or the problem that says why it cannot be used. Never consumes it.
    func activation(plan: PlanSlug, token: LinkToken) async throws -> Activation {
        let rows = try await client.query(
            """
            SELECT t.registration_id, r.member_id, r.email, r.locale, t.expires_at,
                   t.used_at IS NOT NULL, t.superseded_at IS NOT NULL OR t.expires_at <= now() OR t.failed_attempts >= \(Self.maxActivationFailures)
            FROM \(schema: plan).activation_tokens t
            JOIN \(schema: plan).registrations r ON r.id = t.registration_id
            WHERE t.token_hash = \(token.digest)
            """,
            logger: logger
        )
        guard let (registrationID, memberID, email, locale, expiresAt, used, dead)
            = try await rows.decode((UUID, UUID?, String, Language, Date, Bool, Bool).self).one()
        else { throw Problem.activationNotFound }
        if used { throw Problem.activationUsed }
        guard !dead, let memberID else { throw Problem.activationExpired }
        return Activation(registrationID: registrationID, memberID: memberID, email: email, locale: locale, expiresAt: expiresAt)
    }

    /// Whether the member's roster record has this certificate number and date of birth.
    func identityMatches(plan: PlanSlug, memberID: UUID, certificateNumber: String, dateOfBirth: String) async throws -> Bool {
        try await client.query(
            """
            SELECT 1 FROM \(schema: plan).members
            WHERE id = \(memberID) AND certificate_number = \(MatchKey.certificate(certificateNumber))
              AND date_of_birth = \(dateOfBirth)::date
            """,
            logger: logger
        ).exists
    }

    /// Takes one of the link's tries before the identity is checked: the failure counter goes up
    /// first, atomically, so parallel guesses on one link get at most `maxActivationFailures`
    /// checks between them; a match gives its try back (`createAccount`). Throws why the link
    /// cannot be used.
    func takeIdentityTry(plan: PlanSlug, token: LinkToken) async throws {
        let taken = try await client.query(
            """
            UPDATE \(schema: plan).activation_tokens SET failed_attempts = failed_attempts + 1
            WHERE token_hash = \(token.digest) AND used_at IS NULL AND superseded_at IS NULL AND expires_at > now()
              AND failed_attempts < \(Self.maxActivationFailures)
            RETURNING 1
            """,
            logger: logger
        ).exists
        guard taken else {
            _ = try await activation(plan: plan, token: token)
            throw Problem.activationExpired
        }
    }

    /// Audits a mismatch (its try was taken by `takeIdentityTry`; enough of them kill the link).
    func recordIdentityMismatch(plan: PlanSlug, token: LinkToken, facts: RequestFacts) async throws {
        try await audit.append(facts.event("activation.identity_mismatch"), plan: plan)
    }

    /// Consumes the link (giving back the try the match took) and creates the account in one
    /// transaction, the consumption guarded by `used_at IS NULL`, so of two concurrent activations
    /// exactly one creates an account.
    func createAccount(
        plan: PlanSlug, token: LinkToken, activation: Activation, passwordHash: String, securityQuestionID: String, answerHash: String,
        facts: RequestFacts
    ) async throws {
        try await client.transaction(logger: logger) { tx in
            let consumed = try await tx.query(
                """
                UPDATE \(schema: plan).activation_tokens SET used_at = now(), failed_attempts = failed_attempts - 1
                WHERE token_hash = \(token.digest) AND used_at IS NULL AND superseded_at IS NULL
                  AND expires_at > now() AND failed_attempts <= \(Self.maxActivationFailures)
                RETURNING registration_id
                """,
                logger: logger
            )
            guard try await consumed.exists else { throw Problem.activationUsed }
            let inserted = try await tx.query(
                // The certificate number through a join, not a subquery in RETURNING (which Citus
                // refuses in an INSERT on a distributed schema).
                """
                WITH inserted AS (
                    INSERT INTO \(schema: plan).accounts (member_id, email, password_hash, security_question_id, security_answer_hash, locale)
                    VALUES (\(activation.memberID), \(activation.email), \(passwordHash), \(securityQuestionID), \(answerHash), \(activation.locale))
                    ON CONFLICT DO NOTHING
                    RETURNING id, member_id
                )
                SELECT inserted.id, m.certificate_number FROM inserted JOIN \(schema: plan).members m ON m.id = inserted.member_id
                """,
                logger: logger
            )
            guard let (accountID, certificate) = try await inserted.decode((UUID, String).self).one() else { throw Problem.accountExists }
            try await audit.append(facts.event("account.activated", actor: .member(accountID)), plan: plan, on: tx)
            try await webhooks.enqueue(.memberActivated(certificateNumber: certificate), plan: plan, on: tx)
        }
    }
}

import Foundation
import Logging
import PostgresNIO

/// Registration, identity matching, activation e-mails and activation (seed steps 3-9).
public struct RegistrationRepository: Sendable {
    static let registrationLifetime = "24 hours"
    static let tokenLifetime = "24 hours"
    /// Mismatches after which an activation token is dead.
    static let maxActivationFailures = 5

    let client: PostgresClient
    let outbox: Outbox
    let audit: AuditRepository
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.outbox = Outbox(client: client, logger: logger)
        self.audit = AuditRepository(client: client, logger: logger)
        self.logger = logger
    }

    public struct Started: Codable, Sendable {
        /// Lower-case UUID.
        public var registrationId: String
        public var expiresAt: Date
        public var next: String
    }

    public func start(plan: Plan, email: String, locale: Language, facts: RequestFacts) async throws -> Started {
        try await client.withTransaction(logger: logger) { tx in
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
            return Started(registrationId: id.uuidString.lowercased(), expiresAt: expires, next: "identity")
        }
    }

    /// Seed step 6. Same outcome for the caller whether or not the roster matched; only the
    /// e-mail (or its absence) and the audit trail differ.
    public func submitIdentity(plan: Plan, registrationID: UUID, identity: IdentitySubmission, facts: RequestFacts) async throws {
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
            let hasAccount = try await tx.query(
                "SELECT 1 FROM \(schema: plan.slug).accounts WHERE member_id = \(memberID)", logger: logger
            ).exists
            try await tx.query(
                "UPDATE \(schema: plan.slug).registrations SET member_id = \(memberID) WHERE id = \(registrationID)",
                logger: logger
            )
            if hasAccount {
                let message = MailTemplates.alreadyRegistered(
                    plan: plan, language: registration.locale, to: registration.email, link: "\(plan.portalUrl)/password-reset"
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
    public func resend(plan: Plan, registrationID: UUID, facts: RequestFacts) async throws {
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

    // MARK: Activation (seed step 9)

    public struct ActivationStatus: Codable, Sendable {
        public var status: String
        public var expiresAt: Date
        public var emailHint: String
    }

    /// Reads a token without consuming it (mail scanners prefetch links).
    public func activationStatus(plan: Plan, token: String) async throws -> ActivationStatus {
        let state = try await tokenState(plan: plan, token: token, on: nil)
        return ActivationStatus(status: "valid", expiresAt: state.expiresAt, emailHint: Self.emailHint(state.email))
    }

    struct TokenState {
        var registrationID: UUID
        var memberID: UUID
        var email: String
        var locale: Language
        var expiresAt: Date
    }

    /// The token's registration, or the problem that describes why it cannot be used.
    private func tokenState(plan: Plan, token: String, on tx: PostgresConnection?) async throws -> TokenState {
        let query: PostgresQuery = """
            SELECT t.registration_id, r.member_id, r.email, r.locale, t.expires_at,
                   t.used_at IS NOT NULL, t.superseded_at IS NOT NULL OR t.expires_at <= now() OR t.failed_attempts >= \(Self.maxActivationFailures)
            FROM \(schema: plan.slug).activation_tokens t
            JOIN \(schema: plan.slug).registrations r ON r.id = t.registration_id
            WHERE t.token_hash = \(ByteBuffer(bytes: SecretToken.digest(token)))
            """
        let rows = if let tx { try await tx.query(query, logger: logger) } else { try await client.query(query, logger: logger) }
        guard let (registrationID, memberID, email, locale, expiresAt, used, dead)
            = try await rows.decode((UUID, UUID?, String, Language, Date, Bool, Bool).self).one()
        else { throw Problem.activationNotFound }
        if used { throw Problem.activationUsed }
        guard !dead, let memberID else { throw Problem.activationExpired }
        return TokenState(registrationID: registrationID, memberID: memberID, email: email, locale: locale, expiresAt: expiresAt)
    }

    /// Seed step 9: checks the identity again, then creates the account and consumes the token
    /// in one statement guarded by `used_at IS NULL`, so two concurrent POSTs activate once.
    public func activate(plan: Plan, token: String, submission: ActivationSubmission, hasher: PasswordHasher, facts: RequestFacts) async throws {
        try submission.validateBeforeToken(plan: plan)
        let state = try await tokenState(plan: plan, token: token, on: nil)
        try submission.validate(plan: plan, email: state.email)
        let matches = try await client.query(
            """
            SELECT 1 FROM \(schema: plan.slug).members
            WHERE id = \(state.memberID) AND certificate_number = \(MatchKey.certificate(submission.certificateNumber))
              AND date_of_birth = \(submission.dateOfBirth)::date
            """,
            logger: logger
        )
        guard try await matches.exists else {
            try await client.transaction(logger: logger) { tx in
                try await tx.query(
                    """
                    UPDATE \(schema: plan.slug).activation_tokens SET failed_attempts = failed_attempts + 1
                    WHERE token_hash = \(ByteBuffer(bytes: SecretToken.digest(token)))
                    """,
                    logger: logger
                )
                try await audit.append(facts.event("activation.identity_mismatch"), plan: plan.slug, on: tx)
            }
            throw Problem.identityMismatch
        }
        let passwordHash = try await hasher.hash(submission.password, parameters: plan.argon2)
        let answerHash = try await hasher.hash(SecurityQuestion.normalizedAnswer(submission.securityAnswer), parameters: plan.argon2)
        try await client.transaction(logger: logger) { tx in
            let consumed = try await tx.query(
                """
                UPDATE \(schema: plan.slug).activation_tokens SET used_at = now()
                WHERE token_hash = \(ByteBuffer(bytes: SecretToken.digest(token))) AND used_at IS NULL AND superseded_at IS NULL
                  AND expires_at > now() AND failed_attempts < \(Self.maxActivationFailures)
                RETURNING registration_id
                """,
                logger: logger
            )
            guard try await consumed.exists else { throw Problem.activationUsed }
            let inserted = try await tx.query(
                """
                INSERT INTO \(schema: plan.slug).accounts (member_id, email, password_hash, security_question_id, security_answer_hash, locale)
                VALUES (\(state.memberID), \(state.email), \(passwordHash), \(submission.securityQuestionId), \(answerHash), \(state.locale))
                ON CONFLICT DO NOTHING
                RETURNING id
                """,
                logger: logger
            )
            guard let accountID = try await inserted.decode(UUID.self).one() else { throw Problem.accountExists }
            try await audit.append(facts.event("account.activated", actor: .member(accountID.uuidString.lowercased())), plan: plan.slug, on: tx)
        }
    }

    /// `j•••@umontreal.ca`: enough to recognise one's address, not to learn it.
    static func emailHint(_ email: String) -> String {
        let parts = email.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, let first = parts[0].first else { return "•••" }
        return "\(first)•••@\(parts[1])"
    }
}

import Foundation
import Logging
import PostgresNIO

/// Accounts after activation: terms of use, login and sessions, the member's profile, password
/// resets, and the support view of a member (seed step 10 and the forgotten-password flow).
public struct AccountRepository: Sendable {
    static let maxResetFailures = 5

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

    // MARK: Terms of use

    public struct Terms: Codable, Sendable, Equatable {
        public var version: String
        public var text: String
        public var publishedAt: Date
    }

    /// The newest published version, in `language`; nil when none was published.
    public func currentTerms(plan: PlanSlug, language: Language) async throws -> Terms? {
        let rows = try await client.query(
            """
            SELECT version, text_fr, text_en, published_at FROM \(schema: plan).terms_versions
            ORDER BY published_at DESC, version DESC LIMIT 1
            """,
            logger: logger
        )
        return try await rows.decode((String, String, String, Date).self).one().map { version, fr, en, at in
            Terms(version: version, text: language == .fr ? fr : en, publishedAt: at)
        }
    }

    public func publishTerms(plan: PlanSlug, terms: TermsPublication, event: NewAuditEvent) async throws -> Date {
        try await client.transaction(logger: logger) { tx in
            let rows = try await tx.query(
                """
                INSERT INTO \(schema: plan).terms_versions (version, text_fr, text_en)
                VALUES (\(terms.version), \(terms.textFr), \(terms.textEn))
                ON CONFLICT (version) DO NOTHING
                RETURNING published_at
                """,
                logger: logger
            )
            guard let publishedAt = try await rows.decode(Date.self).one() else { throw Problem.termsVersionExists }
            try await audit.append(event, plan: plan, on: tx)
            return publishedAt
        }
    }

    // MARK: Login and sessions

    public struct Session: Codable, Sendable {
        public var accessToken: String
        public var tokenType: String
        public var expiresAt: Date
        /// Null when the plan has published no terms.
        @Nullable public var termsVersion: String?
    }

    /// Seed step 10. Unknown e-mails are verified against a dummy hash so they cost the same.
    public func login(plan: Plan, request: LoginRequest, hasher: PasswordHasher, facts: RequestFacts) async throws -> Session {
        let slug = plan.slug
        let email = RegistrationStart.normalize(request.email)
        // One round trip for the account and the current terms version.
        let rows = try await client.query(
            """
            SELECT a.id, a.password_hash, a.status, a.terms_version,
                   (SELECT version FROM \(schema: slug).terms_versions ORDER BY published_at DESC, version DESC LIMIT 1)
            FROM \(schema: slug).accounts a WHERE a.email = \(email)
            """,
            logger: logger
        )
        guard let (accountID, storedHash, status, acceptedVersion, current) = try await rows.decode((UUID, String, String, String?, String?).self).one() else {
            _ = try await hasher.verify(request.password, against: try await hasher.dummyHash(plan.argon2))
            try await auditOutside(facts.event("login.failure", details: .init(outcome: "invalid_credentials")), plan: slug)
            throw Problem.invalidCredentials
        }
        let actor = AuditActor.member(accountID.uuidString.lowercased())
        guard try await hasher.verify(request.password, against: storedHash) else {
            try await auditOutside(facts.event("login.failure", actor: actor, details: .init(outcome: "invalid_credentials")), plan: slug)
            throw Problem.invalidCredentials
        }
        guard status == "active" else {
            try await auditOutside(facts.event("login.failure", actor: actor, details: .init(outcome: "account_locked")), plan: slug)
            throw Problem.accountLocked
        }
        var accepting = false
        if let current, current != acceptedVersion {
            guard request.acceptTerms == true, request.termsVersion == current else { throw Problem.termsAcceptanceRequired(current) }
            accepting = true
        }
        let rehash: String? = PasswordHasher.needsRehash(storedHash, parameters: plan.argon2)
            ? try await hasher.hash(request.password, parameters: plan.argon2) : nil
        let token = SecretToken.generate()
        let absolute = Int(plan.sessionAbsolute.components.seconds)
        let success = facts.event("login.success", actor: actor)
        let details = String(decoding: try JSONEncoder().encode(success.details), as: UTF8.self)
        /// The session row and its audit event in one statement (atomic, one round trip).
        let createSession: PostgresQuery = """
            WITH audit AS (
                INSERT INTO \(schema: slug).audit_events (action, actor_type, actor_id, request_id, ip, details)
                VALUES (\(success.action), \(success.actor.type), \(success.actor.id), \(success.requestID), \(success.ip)::inet, \(details)::jsonb)
            )
            INSERT INTO \(schema: slug).sessions (token_hash, account_id, expires_at)
            VALUES (\(ByteBuffer(bytes: SecretToken.digest(token))), \(accountID), now() + make_interval(secs => \(absolute)))
            RETURNING expires_at
            """
        func session(_ rows: PostgresRowSequence) async throws -> Session {
            guard let expiresAt = try await rows.decode(Date.self).one() else { throw Problem.internalError }
            return Session(accessToken: token, tokenType: "Bearer", expiresAt: expiresAt, termsVersion: current)
        }
        guard accepting || rehash != nil else {
            return try await session(client.query(createSession, logger: logger))
        }
        return try await client.transaction(logger: logger) { tx in
            if let current, accepting {
                try await tx.query(
                    """
                    INSERT INTO \(schema: slug).terms_acceptances (account_id, version, ip, user_agent)
                    VALUES (\(accountID), \(current), \(facts.ip)::inet, \(facts.userAgent.map { String($0.prefix(500)) }))
                    """,
                    logger: logger
                )
                try await tx.query(
                    "UPDATE \(schema: slug).accounts SET terms_version = \(current), updated_at = now() WHERE id = \(accountID)",
                    logger: logger
                )
                try await audit.append(facts.event("terms.accepted", actor: actor, details: .init(outcome: current)), plan: slug, on: tx)
            }
            if let rehash {
                try await tx.query(
                    "UPDATE \(schema: slug).accounts SET password_hash = \(rehash), updated_at = now() WHERE id = \(accountID)",
                    logger: logger
                )
            }
            return try await session(tx.query(createSession, logger: logger))
        }
    }

    /// The account of a live session of this plan (sliding idle timeout), or nil.
    ///
    /// `last_seen_at` is only written when it is more than 10 seconds old: a burst of requests
    /// (a page of claims, its receipts…) then costs reads, not one committed write each, and the
    /// idle timeout is still restarted to within 10 seconds.
    public func authenticate(plan: Plan, token: String) async throws -> UUID? {
        guard token.utf8.count <= 100 else { return nil }
        let idle = Int(plan.sessionIdle.components.seconds)
        let rows = try await client.query(
            """
            WITH live AS (
                SELECT s.token_hash, s.account_id, s.last_seen_at FROM \(schema: plan.slug).sessions s
                WHERE s.token_hash = \(ByteBuffer(bytes: SecretToken.digest(token))) AND s.revoked_at IS NULL
                  AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => \(idle))
                  AND EXISTS (SELECT 1 FROM \(schema: plan.slug).accounts a WHERE a.id = s.account_id AND a.status = 'active')
            ), touched AS (
                UPDATE \(schema: plan.slug).sessions t SET last_seen_at = now()
                FROM live WHERE t.token_hash = live.token_hash AND live.last_seen_at < now() - interval '10 seconds'
            )
            SELECT account_id FROM live
            """,
            logger: logger
        )
        return try await rows.decode(UUID.self).one()
    }

    public func logout(plan: PlanSlug, token: String, accountID: UUID, facts: RequestFacts) async throws {
        try await client.transaction(logger: logger) { tx in
            try await tx.query(
                """
                UPDATE \(schema: plan).sessions SET revoked_at = now()
                WHERE token_hash = \(ByteBuffer(bytes: SecretToken.digest(token))) AND revoked_at IS NULL
                """,
                logger: logger
            )
            try await audit.append(facts.event("logout", actor: .member(accountID.uuidString.lowercased())), plan: plan, on: tx)
        }
    }

    public struct Me: Codable, Sendable {
        public var email: String
        public var firstName: String
        public var lastName: String
        public var certificateNumber: String
        public var locale: Language
        @Nullable public var termsVersion: String?
    }

    public func me(plan: PlanSlug, accountID: UUID) async throws -> Me? {
        let rows = try await client.query(
            """
            SELECT a.email, m.first_name, m.last_name, m.certificate_number, a.locale, a.terms_version
            FROM \(schema: plan).accounts a JOIN \(schema: plan).members m ON m.id = a.member_id
            WHERE a.id = \(accountID)
            """,
            logger: logger
        )
        return try await rows.decode((String, String, String, String, Language, String?).self).one().map { email, first, last, certificate, locale, terms in
            Me(email: email, firstName: first, lastName: last, certificateNumber: certificate, locale: locale, termsVersion: terms)
        }
    }

    // MARK: Forgotten password

    /// Always succeeds for the caller; an active account gets a one-hour single-use link.
    public func requestReset(plan: Plan, email rawEmail: String, facts: RequestFacts) async throws {
        let slug = plan.slug
        let email = RegistrationStart.normalize(rawEmail)
        try await client.transaction(logger: logger) { tx in
            let rows = try await tx.query(
                "SELECT id, locale FROM \(schema: slug).accounts WHERE email = \(email) AND status = 'active' FOR UPDATE",
                logger: logger
            )
            guard let (accountID, locale) = try await rows.decode((UUID, Language).self).one() else {
                try await audit.append(facts.event("password_reset.requested", details: .init(outcome: "no_account")), plan: slug, on: tx)
                return
            }
            let token = SecretToken.generate()
            try await tx.query(
                """
                UPDATE \(schema: slug).password_resets SET superseded_at = now()
                WHERE account_id = \(accountID) AND used_at IS NULL AND superseded_at IS NULL
                """,
                logger: logger
            )
            try await tx.query(
                """
                INSERT INTO \(schema: slug).password_resets (token_hash, account_id, expires_at)
                VALUES (\(ByteBuffer(bytes: SecretToken.digest(token))), \(accountID), now() + interval '1 hour')
                """,
                logger: logger
            )
            let message = MailTemplates.passwordReset(
                plan: plan, language: locale, to: email, link: "\(plan.portalUrl)/password-reset?token=\(token)"
            )
            try await outbox.enqueue(message, kind: "password_reset", plan: slug, on: tx)
            let actor = AuditActor.member(accountID.uuidString.lowercased())
            try await audit.append(facts.event("password_reset.requested", actor: actor, details: .init(outcome: "email_queued")), plan: slug, on: tx)
        }
    }

    struct ResetState {
        var accountID: UUID
        var email: String
        var questionID: String
        var answerHash: String
    }

    private func resetState(plan: PlanSlug, token: String) async throws -> ResetState {
        let rows = try await client.query(
            """
            SELECT r.account_id, a.email, a.security_question_id, a.security_answer_hash, r.used_at IS NOT NULL,
                   r.superseded_at IS NOT NULL OR r.expires_at <= now() OR r.failed_attempts >= \(Self.maxResetFailures) OR a.status <> 'active'
            FROM \(schema: plan).password_resets r JOIN \(schema: plan).accounts a ON a.id = r.account_id
            WHERE r.token_hash = \(ByteBuffer(bytes: SecretToken.digest(token)))
            """,
            logger: logger
        )
        guard let (accountID, email, question, answer, used, dead) = try await rows.decode((UUID, String, String, String, Bool, Bool).self).one() else {
            throw Problem.resetNotFound
        }
        if used { throw Problem.resetUsed }
        if dead { throw Problem.resetExpired }
        return ResetState(accountID: accountID, email: email, questionID: question, answerHash: answer)
    }

    /// The security question of a reset link, without consuming it.
    public func resetQuestion(plan: Plan, token: String) async throws -> SecurityQuestion {
        let state = try await resetState(plan: plan.slug, token: token)
        return plan.securityQuestions.first { $0.id == state.questionID }
            ?? SecurityQuestion.defaults.first { $0.id == state.questionID }
            ?? SecurityQuestion(id: state.questionID, textFr: state.questionID, textEn: state.questionID)
    }

    /// Checks the answer, sets the new password, consumes the link and revokes every session.
    public func completeReset(plan: Plan, token: String, completion: PasswordResetCompletion, hasher: PasswordHasher, facts: RequestFacts) async throws {
        let slug = plan.slug
        try completion.validateBeforeToken(plan: plan)
        let state = try await resetState(plan: slug, token: token)
        guard completion.password == completion.passwordConfirmation else { throw Problem.passwordMismatch }
        try plan.passwordPolicy.check(completion.password, email: state.email)
        let actor = AuditActor.member(state.accountID.uuidString.lowercased())
        let digest = ByteBuffer(bytes: SecretToken.digest(token))
        guard try await hasher.verify(SecurityQuestion.normalizedAnswer(completion.securityAnswer), against: state.answerHash) else {
            try await client.transaction(logger: logger) { tx in
                try await tx.query(
                    "UPDATE \(schema: slug).password_resets SET failed_attempts = failed_attempts + 1 WHERE token_hash = \(digest)",
                    logger: logger
                )
                try await audit.append(facts.event("password_reset.answer_mismatch", actor: actor), plan: slug, on: tx)
            }
            throw Problem.securityAnswerMismatch
        }
        let newHash = try await hasher.hash(completion.password, parameters: plan.argon2)
        try await client.transaction(logger: logger) { tx in
            let consumed = try await tx.query(
                """
                UPDATE \(schema: slug).password_resets SET used_at = now()
                WHERE token_hash = \(digest) AND used_at IS NULL AND superseded_at IS NULL AND expires_at > now()
                  AND failed_attempts < \(Self.maxResetFailures)
                RETURNING account_id
                """,
                logger: logger
            )
            guard try await consumed.exists else { throw Problem.resetUsed }
            try await tx.query(
                "UPDATE \(schema: slug).accounts SET password_hash = \(newHash), updated_at = now() WHERE id = \(state.accountID)",
                logger: logger
            )
            try await tx.query(
                "UPDATE \(schema: slug).sessions SET revoked_at = now() WHERE account_id = \(state.accountID) AND revoked_at IS NULL",
                logger: logger
            )
            try await audit.append(facts.event("password_reset.completed", actor: actor), plan: slug, on: tx)
        }
    }

    // MARK: Support view

    public struct MemberRecord: Codable, Sendable {
        public var certificateNumber: String
        public var lastName: String
        public var firstName: String
        public var dateOfBirth: String
        @Nullable public var email: String?
        /// `none`, `pending` (an unused activation link is out), `active` or `locked`.
        public var accountStatus: String
        public var createdAt: Date
        public var updatedAt: Date
    }

    /// The roster record and account status for support staff; each look-up is audited.
    public func member(plan: PlanSlug, certificate: String, event: NewAuditEvent) async throws -> MemberRecord? {
        return try await client.transaction(logger: logger) { tx -> MemberRecord? in
            let rows = try await tx.query(
                """
                SELECT m.certificate_number, m.last_name, m.first_name, m.date_of_birth::text, m.email,
                       CASE
                         WHEN a.status IS NOT NULL THEN a.status
                         WHEN EXISTS (SELECT 1 FROM \(schema: plan).registrations r
                                      JOIN \(schema: plan).activation_tokens t ON t.registration_id = r.id
                                      WHERE r.member_id = m.id AND t.used_at IS NULL AND t.superseded_at IS NULL
                                        AND t.expires_at > now()) THEN 'pending'
                         ELSE 'none'
                       END,
                       m.created_at, m.updated_at
                FROM \(schema: plan).members m LEFT JOIN \(schema: plan).accounts a ON a.member_id = m.id
                WHERE m.certificate_number = \(MatchKey.certificate(certificate))
                """,
                logger: logger
            )
            let record = try await rows.decode((String, String, String, String, String?, String, Date, Date).self).one().map {
                cert, last, first, dob, email, status, created, updated in
                MemberRecord(
                    certificateNumber: cert, lastName: last, firstName: first, dateOfBirth: dob, email: email, accountStatus: status,
                    createdAt: created, updatedAt: updated
                )
            }
            var event = event
            event.details.outcome = record == nil ? "not_found" : "found"
            try await audit.append(event, plan: plan, on: tx)
            return record
        }
    }

    private func auditOutside(_ event: NewAuditEvent, plan: PlanSlug) async throws {
        try await client.withConnection { connection in try await audit.append(event, plan: plan, on: connection) }
    }
}

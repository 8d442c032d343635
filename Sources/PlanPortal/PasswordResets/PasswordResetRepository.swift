import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Password-reset links (`password_resets`): a one-hour, single-use link per request, its e-mail,
/// and the new password it sets.
struct PasswordResetRepository: Sendable {
    /// Wrong answers after which a link is dead.
    static let maxFailures = 5

    let client: Database
    let audit: AuditRepository
    let outbox: Outbox
    /// Ends the account's sessions and device tokens when a reset completes.
    let sessions: SessionRepository
    let logger: Logger

    /// An active account of `email` (normalised) gets a new link by e-mail (older ones stop
    /// working); any other e-mail only leaves an audit event. The caller learns nothing either way.
    func request(plan: Plan, email: String, facts: RequestFacts) async throws {
        let slug = plan.slug
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
            try await audit.append(
                facts.event("password_reset.requested", actor: .member(accountID), details: .init(outcome: "email_queued")), plan: slug, on: tx
            )
        }
    }

    /// A usable link's account and security question.
    struct Link {
        var accountID: UUID
        var email: String
        var questionID: String
        var answerHash: String
    }

    /// The link of `token`, or the problem that says why it cannot be used.
    func link(plan: PlanSlug, token: LinkToken) async throws -> Link {
        let rows = try await client.query(
            """
            SELECT r.account_id, a.email, a.security_question_id, a.security_answer_hash, r.used_at IS NOT NULL,
                   r.superseded_at IS NOT NULL OR r.expires_at <= now() OR r.failed_attempts >= \(Self.maxFailures) OR a.status <> 'active'
            FROM \(schema: plan).password_resets r JOIN \(schema: plan).accounts a ON a.id = r.account_id
            WHERE r.token_hash = \(token.digest)
            """,
            logger: logger
        )
        guard let (accountID, email, question, answer, used, dead) = try await rows.decode((UUID, String, String, String, Bool, Bool).self).one() else {
            throw Problem.resetNotFound
        }
        if used { throw Problem.resetUsed }
        if dead { throw Problem.resetExpired }
        return Link(accountID: accountID, email: email, questionID: question, answerHash: answer)
    }

    /// Takes one of the link's tries before the answer is checked: the failure counter goes up
    /// first, atomically, so parallel guesses on one link get at most `maxFailures` checks between
    /// them; a right answer gives its try back (`complete`). Throws why the link cannot be used.
    func takeTry(plan: PlanSlug, token: LinkToken) async throws -> Link {
        let rows = try await client.query(
            """
            UPDATE \(schema: plan).password_resets r SET failed_attempts = r.failed_attempts + 1
            FROM \(schema: plan).accounts a
            WHERE r.token_hash = \(token.digest) AND a.id = r.account_id AND a.status = 'active'
              AND r.used_at IS NULL AND r.superseded_at IS NULL AND r.expires_at > now() AND r.failed_attempts < \(Self.maxFailures)
            RETURNING r.account_id, a.email, a.security_question_id, a.security_answer_hash
            """,
            logger: logger
        )
        guard let (accountID, email, question, answer) = try await rows.decode((UUID, String, String, String).self).one() else {
            _ = try await link(plan: plan, token: token)
            throw Problem.resetExpired
        }
        return Link(accountID: accountID, email: email, questionID: question, answerHash: answer)
    }

    /// Audits a wrong answer (its try was taken by `takeTry`).
    func recordWrongAnswer(plan: PlanSlug, accountID: UUID, facts: RequestFacts) async throws {
        try await audit.append(facts.event("password_reset.answer_mismatch", actor: .member(accountID)), plan: plan)
    }

    /// Consumes the link (once: a second use finds it used) and gives back the try the right
    /// answer took, sets the new password hash and ends every session and device token of the
    /// account, in one transaction.
    func complete(plan: PlanSlug, token: LinkToken, accountID: UUID, passwordHash: String, facts: RequestFacts) async throws {
        try await client.transaction(logger: logger) { tx in
            let consumed = try await tx.query(
                """
                UPDATE \(schema: plan).password_resets SET used_at = now(), failed_attempts = failed_attempts - 1
                WHERE token_hash = \(token.digest) AND used_at IS NULL AND superseded_at IS NULL AND expires_at > now()
                  AND failed_attempts <= \(Self.maxFailures)
                RETURNING account_id
                """,
                logger: logger
            )
            guard try await consumed.exists else { throw Problem.resetUsed }
            try await tx.query(
                "UPDATE \(schema: plan).accounts SET password_hash = \(passwordHash), updated_at = now() WHERE id = \(accountID)",
                logger: logger
            )
            _ = try await sessions.revokeAll(plan: plan, accountID: accountID, on: tx)
            try await audit.append(facts.event("password_reset.completed", actor: .member(accountID)), plan: plan, on: tx)
        }
    }
}

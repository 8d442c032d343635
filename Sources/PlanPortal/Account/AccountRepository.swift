import Foundation
import Logging
import PostgresNIO

/// A member's own settings in the plan's schema: language, password, security question. Each
/// change is written with its audit event (and, for credentials, its notice e-mail) in one transaction.
struct AccountRepository: Sendable {
    let client: Database
    let sessions: SessionRepository
    let audit: AuditRepository
    let outbox: Outbox
    let logger: Logger

    /// What a credential change checks and notifies.
    struct Account: Sendable {
        var id: UUID
        var email: String
        var passwordHash: String
        var locale: Language
    }

    func account(plan: PlanSlug, id: UUID) async throws -> Account? {
        let rows = try await client.query(
            "SELECT email, password_hash, locale FROM \(schema: plan).accounts WHERE id = \(id) AND status = 'active'",
            logger: logger
        )
        return try await rows.decode((String, String, Language).self).one().map { Account(id: id, email: $0, passwordHash: $1, locale: $2) }
    }

    /// Sets the member's language, with its `account.updated` event.
    func setLocale(plan: PlanSlug, accountID: UUID, locale: Language, facts: RequestFacts) async throws {
        try await client.transaction(logger: logger) { tx in
            try await tx.query(
                "UPDATE \(schema: plan).accounts SET locale = \(locale), updated_at = now() WHERE id = \(accountID)",
                logger: logger
            )
            try await audit.append(facts.event("account.updated", actor: .member(accountID), details: .init(fields: ["locale"])), plan: plan, on: tx)
        }
    }

    /// A wrong current password, audited (never the password itself).
    func recordWrongPassword(plan: PlanSlug, accountID: UUID, action: String, facts: RequestFacts) async throws {
        try await audit.append(facts.event(action, actor: .member(accountID), details: .init(outcome: "current_password_incorrect")), plan: plan)
    }

    /// Sets the new password hash, ends every other session of the account (the one making the
    /// change goes on) and every device token, retires pending reset links, audits `password.changed` and queues the notice.
    func changePassword(plan: Plan, account: Account, passwordHash: String, keeping session: MemberSession, facts: RequestFacts) async throws {
        let slug = plan.slug
        try await client.transaction(logger: logger) { tx in
            try await tx.query(
                "UPDATE \(schema: slug).accounts SET password_hash = \(passwordHash), updated_at = now() WHERE id = \(account.id)",
                logger: logger
            )
            try await sessions.revokeOthers(plan: slug, accountID: account.id, keeping: session, on: tx)
            try await tx.query(
                """
                UPDATE \(schema: slug).password_resets SET superseded_at = now()
                WHERE account_id = \(account.id) AND used_at IS NULL AND superseded_at IS NULL
                """,
                logger: logger
            )
            try await audit.append(facts.event("password.changed", actor: .member(account.id)), plan: slug, on: tx)
            let notice = MailTemplates.credentialChanged(.password, plan: plan, language: account.locale, to: account.email)
            try await outbox.enqueue(notice, kind: "password_changed", plan: slug, on: tx)
        }
    }

    /// Sets the security question and its answer hash, audits `security_question.changed` and
    /// queues the notice.
    func changeSecurityQuestion(plan: Plan, account: Account, questionID: String, answerHash: String, facts: RequestFacts) async throws {
        let slug = plan.slug
        try await client.transaction(logger: logger) { tx in
            try await tx.query(
                """
                UPDATE \(schema: slug).accounts SET security_question_id = \(questionID), security_answer_hash = \(answerHash), updated_at = now()
                WHERE id = \(account.id)
                """,
                logger: logger
            )
            try await audit.append(facts.event("security_question.changed", actor: .member(account.id)), plan: slug, on: tx)
            let notice = MailTemplates.credentialChanged(.securityQuestion, plan: plan, language: account.locale, to: account.email)
            try await outbox.enqueue(notice, kind: "security_question_changed", plan: slug, on: tx)
        }
    }
}

import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Member sessions in a plan's schema: what a login checks, the session rows, the profile.
struct SessionRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    let logger: Logger

    /// What a login needs to know about an e-mail's account.
    struct Credentials {
        var accountID: UUID
        var passwordHash: String
        var status: AccountStatus
        var acceptedTerms: String?
        /// The plan's newest terms version, nil when none was published.
        var currentTerms: String?
    }

    /// The account of `email` (normalised) and the current terms version, in one round trip.
    func credentials(plan: PlanSlug, email: String) async throws -> Credentials? {
        let rows = try await client.query(
            """
            SELECT a.id, a.password_hash, a.status, a.terms_version,
                   (SELECT version FROM \(schema: plan).terms_versions ORDER BY published_at DESC, version DESC LIMIT 1)
            FROM \(schema: plan).accounts a WHERE a.email = \(email)
            """,
            logger: logger
        )
        return try await rows.decode((UUID, String, AccountStatus, String?, String?).self).one().map {
            Credentials(accountID: $0, passwordHash: $1, status: $2, acceptedTerms: $3, currentTerms: $4)
        }
    }

    /// Opens a session for `token` (stored as its SHA-256) with its `login.success` event; records
    /// the terms acceptance and the new password hash in the same transaction when there are any.
    /// Returns when the session expires (the plan's absolute timeout).
    func open(
        plan: Plan, token: String, accountID: UUID, acceptingTerms: String?, rehash: String?, facts: RequestFacts
    ) async throws -> Date {
        let slug = plan.slug
        let success = facts.event("login.success", actor: .member(accountID))
        let details = String(decoding: try JSONEncoder().encode(success.details), as: UTF8.self)
        // The session row and its audit event in one statement (atomic, one round trip).
        let insert: PostgresQuery = """
            WITH audit AS (
                INSERT INTO \(schema: slug).audit_events (action, actor_type, actor_id, request_id, ip, details)
                VALUES (\(success.action), \(success.actor.type), \(success.actor.id), \(success.requestID), \(success.ip)::inet, \(details)::jsonb)
            )
            INSERT INTO \(schema: slug).sessions (token_hash, account_id, expires_at)
            VALUES (\(ByteBuffer(bytes: SecretToken.digest(token))), \(accountID), now() + make_interval(secs => \(Int(plan.sessionAbsolute.components.seconds))))
            RETURNING expires_at
            """
        guard acceptingTerms != nil || rehash != nil else {
            return try await expiry(client.query(insert, logger: logger))
        }
        return try await client.transaction(logger: logger) { tx in
            if let version = acceptingTerms {
                try await tx.query(
                    """
                    INSERT INTO \(schema: slug).terms_acceptances (account_id, version, ip, user_agent)
                    VALUES (\(accountID), \(version), \(facts.ip)::inet, \(facts.userAgent.map { String($0.prefix(500)) }))
                    """,
                    logger: logger
                )
                try await tx.query(
                    "UPDATE \(schema: slug).accounts SET terms_version = \(version), updated_at = now() WHERE id = \(accountID)",
                    logger: logger
                )
                try await audit.append(facts.event("terms.accepted", actor: .member(accountID), details: .init(outcome: version)), plan: slug, on: tx)
            }
            if let rehash {
                try await tx.query(
                    "UPDATE \(schema: slug).accounts SET password_hash = \(rehash), updated_at = now() WHERE id = \(accountID)",
                    logger: logger
                )
            }
            return try await expiry(tx.query(insert, logger: logger))
        }
    }

    private func expiry(_ rows: PostgresRowSequence) async throws -> Date {
        guard let expiresAt = try await rows.decode(Date.self).one() else { throw Problem.internalError }
        return expiresAt
    }

    /// The account of a live session of this plan (sliding idle timeout), or nil.
    ///
    /// `last_seen_at` is only written when it is more than 10 seconds old: a burst of requests
    /// (a page of claims, its receipts…) then costs reads, not one committed write each, and the
    /// idle timeout is still restarted to within 10 seconds.
    func authenticate(plan: Plan, token: String) async throws -> UUID? {
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

    /// Revokes `session` with its `logout` event.
    func revoke(plan: PlanSlug, session: MemberSession, facts: RequestFacts) async throws {
        try await client.transaction(logger: logger) { tx in
            try await tx.query(
                """
                UPDATE \(schema: plan).sessions SET revoked_at = now()
                WHERE token_hash = \(ByteBuffer(bytes: SecretToken.digest(session.token))) AND revoked_at IS NULL
                """,
                logger: logger
            )
            try await audit.append(facts.event("logout", actor: .member(session.accountID)), plan: plan, on: tx)
        }
    }

    /// Ends every session of `accountID` except `keeping` (the one making the change), inside the
    /// caller's transaction; returns how many ended. What a credential change revokes: when device
    /// tokens (issue #11) land, they are revoked here too.
    @discardableResult
    func revokeOthers(plan: PlanSlug, accountID: UUID, keeping: MemberSession, on tx: PostgresConnection) async throws -> Int {
        let rows = try await tx.query(
            """
            UPDATE \(schema: plan).sessions SET revoked_at = now()
            WHERE account_id = \(accountID) AND revoked_at IS NULL
              AND token_hash <> \(ByteBuffer(bytes: SecretToken.digest(keeping.token)))
            RETURNING 1
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    func profile(plan: PlanSlug, accountID: UUID) async throws -> Me? {
        let rows = try await client.query(
            """
            SELECT a.email, m.first_name, m.last_name, m.certificate_number, a.locale, a.terms_version
            FROM \(schema: plan).accounts a JOIN \(schema: plan).members m ON m.id = a.member_id
            WHERE a.id = \(accountID)
            """,
            logger: logger
        )
        return try await rows.decode((String, String, String, String, Language, String?).self).one().map {
            Me(email: $0, firstName: $1, lastName: $2, certificateNumber: $3, locale: $4, termsVersion: $5)
        }
    }
}

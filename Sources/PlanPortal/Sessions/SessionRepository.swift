import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Member sessions in a plan's schema: what a login checks, the session rows, the profile.
struct SessionRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    /// This replica's verified sessions; every revocation here evicts them on every replica.
    var cache: SessionCache?
    let logger: Logger

    init(client: Database, audit: AuditRepository, cache: SessionCache? = nil, logger: Logger) {
        (self.client, self.audit, self.cache, self.logger) = (client, audit, cache, logger)
    }

    /// What a login needs to know about an e-mail's account.
    struct Credentials {
        var accountID: UUID
        var passwordHash: String
        var status: AccountStatus
        var acceptedTerms: String?
        /// The plan's newest terms version, nil when none was published.
        var currentTerms: String?
    }

    /// What a login attempt learned before any hashing.
    struct LoginAttempt {
        /// The counters after this attempt's hit.
        var limits: RateLimitOutcome
        /// The e-mail's account, nil when there is none.
        var account: Credentials?
        /// Failed passwords of the presented device token after this attempt's own (counted
        /// before the password is checked); nil when no live token of this account was presented.
        var deviceFailures: Int?
        /// Whether the plan was last recorded as under attack (`control.login_plan_state`).
        var recordedUnderAttack: Bool
    }

    /// One statement before any hashing: counts the attempt on every login counter, reads the
    /// e-mail's account and the current terms, counts a failure against the presented device
    /// token when it is a live one of that account, and reads the plan's recorded attack state.
    func beginLogin(plan: Plan, email: String, keys: [RateLimitKey], deviceToken: LinkToken?) async throws -> LoginAttempt {
        let slug = plan.slug
        // A presented device token takes one of its tries first, in a statement of its own: it
        // writes WAL, and a statement that also holds the shared counters' rows (the plan's, the
        // address's) would keep them locked until that commit is flushed, making every login of
        // the plan wait for each other's fsync.
        var deviceFailures: Int32?
        if let deviceToken {
            deviceFailures = try await client.query(
                """
                UPDATE \(schema: slug).device_tokens d SET failed_attempts = d.failed_attempts + 1
                FROM \(schema: slug).accounts a
                WHERE a.email = \(email) AND d.account_id = a.id AND d.token_hash = \(deviceToken.digest) AND d.expires_at > now()
                RETURNING d.failed_attempts
                """,
                logger: logger
            ).decode(Int32.self).one()
        }
        let batch = RateLimitBatch(keys)
        let rows = try await client.query(
            """
            SELECT * FROM \(schema: slug).login_begin(\(slug.value), \(email), \(batch.storageKeys)::text[], \(batch.windows)::bigint[])
            """,
            logger: logger
        )
        guard let (names, hits, previous, seconds, accountID, passwordHash, status, accepted, current, underAttack) = try await rows.decode(
            ([String], [Int32], [Int32], [Int64], UUID?, String?, AccountStatus?, String?, String?, Bool).self
        ).one() else { throw Problem.internalError }
        var found: [String: RateLimitHit] = [:]
        for (index, name) in names.enumerated() where index < hits.count && index < previous.count && index < seconds.count {
            found[name] = RateLimitHit(hits: Int(hits[index]), previousHits: Int(previous[index]), resetSeconds: Int(seconds[index]))
        }
        var account: Credentials?
        if let accountID, let passwordHash, let status {
            account = Credentials(accountID: accountID, passwordHash: passwordHash, status: status, acceptedTerms: accepted, currentTerms: current)
        }
        return LoginAttempt(limits: RateLimitOutcome(keys, found), account: account, deviceFailures: deviceFailures.map(Int.init), recordedUnderAttack: underAttack)
    }

    /// Records that the plan is (or is no longer) under attack; true for the one caller that
    /// made the switch, false when another replica or request already did.
    func switchUnderAttack(plan: PlanSlug, to underAttack: Bool) async throws -> Bool {
        try await client.query(
            """
            INSERT INTO control.login_plan_state AS s (plan_slug, under_attack) VALUES (\(plan.value), \(underAttack))
            ON CONFLICT (plan_slug) DO UPDATE SET under_attack = excluded.under_attack, changed_at = now()
            WHERE s.under_attack IS DISTINCT FROM excluded.under_attack
            RETURNING 1
            """,
            logger: logger
        ).exists
    }

    /// What a successful login writes besides its session.
    struct LoginSuccess {
        /// The counters to take this attempt back from, and the one that starts over.
        var refund: [RateLimitKey]
        var resetting: RateLimitKey?
        /// The new device token, and the one presented (ended: a device token is used once).
        var newDeviceToken: String
        var presentedDeviceToken: LinkToken?
    }

    /// Opens a session for `token` (stored as its SHA-256) with its `login.success` event and
    /// issues a new device token (ending the presented one, expired ones and those beyond the
    /// newest `DeviceTokens.keptPerAccount`), in one statement (the caller gives the attempt back
    /// to the counters afterwards: see `SessionOperations.createSession`);
    /// records the terms acceptance and the new password hash in the same transaction when there
    /// are any. The session and the device token are written only while the account still has
    /// the password hash that was verified and is active: a reset, a password change or a lock
    /// that commits while the password was being checked wins (401 `invalid_credentials`, and no
    /// `login.success` event).
    /// Returns when the session expires (the plan's absolute timeout).
    func open(
        plan: Plan, token: String, accountID: UUID, verifiedHash: String, acceptingTerms: String?, rehash: String?, success: LoginSuccess,
        facts: RequestFacts
    ) async throws -> Date {
        let slug = plan.slug
        let event = facts.event("login.success", actor: .member(accountID))
        let details = event.details.jsonText
        let insert: PostgresQuery = """
            SELECT \(schema: slug).login_open_session(
                \(accountID), \(rehash ?? verifiedHash),
                \(event.action), \(event.actor.type), \(event.actor.id), \(event.requestID), \(event.ip), \(details),
                \(success.presentedDeviceToken?.digest), \(DeviceTokens.keptPerAccount), \(ByteBuffer(bytes: SecretToken.digest(success.newDeviceToken))),
                \(DeviceTokens.lifetimeDays), \(ByteBuffer(bytes: SecretToken.digest(token))), \(Int(plan.sessionAbsolute.components.seconds))
            )
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
                    """
                    UPDATE \(schema: slug).accounts SET password_hash = \(rehash), updated_at = now()
                    WHERE id = \(accountID) AND password_hash = \(verifiedHash)
                    """,
                    logger: logger
                )
            }
            return try await expiry(tx.query(insert, logger: logger))
        }
    }

    /// Ends every session and every device token of an account, in the caller's transaction:
    /// the one place a password change, a password reset, a lock and "log out everywhere" do it.
    /// Every replica evicts the account's cached sessions when the transaction commits (`NOTIFY`).
    func revokeAll(plan: PlanSlug, accountID: UUID, on connection: PostgresConnection) async throws -> RevokedCredentials {
        let rows = try await connection.query(
            """
            WITH s AS (
                UPDATE \(schema: plan).sessions SET revoked_at = now() WHERE account_id = \(accountID) AND revoked_at IS NULL RETURNING 1
            ), d AS (
                DELETE FROM \(schema: plan).device_tokens WHERE account_id = \(accountID) RETURNING 1
            )
            SELECT (SELECT count(*) FROM s)::int, (SELECT count(*) FROM d)::int
            """,
            logger: logger
        )
        let (sessions, devices) = try await rows.decode((Int, Int).self).one() ?? (0, 0)
        try await announceRevocation(plan: plan, accountID: accountID, on: connection)
        return RevokedCredentials(sessionsRevoked: sessions, deviceTokensRevoked: devices)
    }

    /// Evicts the account's sessions from this replica's cache, and from every replica's when the
    /// caller's transaction commits (`NOTIFY` on `SessionCache.channel`). A statement of its own
    /// that names no plan table, so Citus runs it on the coordinator, where the listeners are.
    private func announceRevocation(plan: PlanSlug, accountID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT pg_notify(\(SessionCache.channel), \(SessionCache.payload(plan: plan, accountID: accountID)))", logger: logger
        )
        cache?.evict(plan: plan, accountID: accountID)
    }

    private func expiry(_ rows: PostgresRowSequence) async throws -> Date {
        guard let expiresAt = try await rows.decode(Date?.self).one() ?? nil else { throw Problem.invalidCredentials }
        return expiresAt
    }

    /// The account of a live session of this plan (sliding idle timeout), or nil.
    ///
    /// `last_seen_at` is only written when it is more than 10 seconds old: a burst of requests
    /// (a page of claims, its receipts…) then costs reads, not one committed write each, and the
    /// idle timeout is still restarted to within 10 seconds. Within those 10 seconds the session
    /// is answered from this replica's `SessionCache` (no statement at all) while its revocation
    /// listener is connected; the statement runs again once the database would write `last_seen_at`.
    func authenticate(plan: Plan, token: String) async throws -> UUID? {
        guard token.utf8.count <= 100 else { return nil }
        let digest = SecretToken.digest(token)
        if let cache, let accountID = cache.account(plan: plan.slug, digest: digest, idle: plan.sessionIdle) { return accountID }
        let ticket = cache?.ticket()
        let idle = Int(plan.sessionIdle.components.seconds)
        let rows = try await client.query(
            """
            WITH live AS (
                SELECT s.token_hash, s.account_id, s.last_seen_at, s.expires_at FROM \(schema: plan.slug).sessions s
                WHERE s.token_hash = \(ByteBuffer(bytes: digest)) AND s.revoked_at IS NULL
                  AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => \(idle))
                  AND EXISTS (SELECT 1 FROM \(schema: plan.slug).accounts a WHERE a.id = s.account_id AND a.status = 'active')
            ), touched AS (
                UPDATE \(schema: plan.slug).sessions t SET last_seen_at = now()
                FROM live WHERE t.token_hash = live.token_hash AND live.last_seen_at < now() - interval '10 seconds'
                RETURNING t.last_seen_at
            )
            SELECT account_id,
                   extract(epoch FROM now() - coalesce((SELECT max(last_seen_at) FROM touched), last_seen_at))::float8,
                   extract(epoch FROM expires_at - now())::float8
            FROM live
            """,
            logger: logger
        )
        guard let (accountID, lastSeenAge, remaining) = try await rows.decode((UUID, Double, Double).self).one() else { return nil }
        if let cache, let ticket {
            cache.store(
                ticket, plan: plan.slug, digest: digest, accountID: accountID,
                lastSeenAge: .seconds(max(0, lastSeenAge)), remaining: .seconds(remaining)
            )
        }
        return accountID
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
            try await announceRevocation(plan: plan, accountID: session.accountID, on: tx)
        }
        cache?.evict(plan: plan, accountID: session.accountID)
    }

    /// Ends every session of `accountID` except `keeping` (the one making the change) and every
    /// device token of the account (issue #11: a password change revokes them all), inside the
    /// caller's transaction; returns how many sessions ended.
    @discardableResult
    func revokeOthers(plan: PlanSlug, accountID: UUID, keeping: MemberSession, on tx: PostgresConnection) async throws -> Int {
        let rows = try await tx.query(
            """
            WITH d AS (
                DELETE FROM \(schema: plan).device_tokens WHERE account_id = \(accountID)
            ), s AS (
                UPDATE \(schema: plan).sessions SET revoked_at = now()
                WHERE account_id = \(accountID) AND revoked_at IS NULL
                  AND token_hash <> \(ByteBuffer(bytes: SecretToken.digest(keeping.token)))
                RETURNING 1
            )
            SELECT count(*)::int FROM s
            """,
            logger: logger
        )
        let ended = try await rows.decode(Int.self).one() ?? 0
        try await announceRevocation(plan: plan, accountID: accountID, on: tx)
        return ended
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

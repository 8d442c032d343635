import Foundation
import Logging
import PostgresNIO

/// A member as the plan's support staff see them: the roster record and where the account stands.
struct MemberRecord: Codable, Sendable {
    var certificateNumber: String
    var lastName: String
    var firstName: String
    var dateOfBirth: String
    @Nullable var email: String?
    /// `none`, `pending` (an unused activation link is out), `active` or `locked`.
    var accountStatus: String
    var createdAt: Date
    var updatedAt: Date
    /// The member's dependants (the family support sees).
    var dependants: [Dependant] = []
}

/// The support view of a plan's members and what support does to their accounts; every action
/// is audited with the member it concerns (`details.memberId`).
struct MemberSupportRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    /// Ends an account's sessions and device tokens (`SessionRepository.revokeAll`).
    let sessions: SessionRepository
    /// `member.locked` webhook events, queued with the lock.
    let webhooks: WebhookOutbox
    /// The family shown with the member.
    let dependants: DependantRepository
    let logger: Logger

    /// One member, found by certificate number (normalised), with their account if any.
    struct Found {
        var memberID: UUID
        var accountID: UUID?
        var record: MemberRecord
    }

    /// The member with `certificate` (normalised), with the look-up's audit event (`found` or
    /// `not_found`; the member's id when found).
    func member(plan: PlanSlug, certificate: String, event: NewAuditEvent) async throws -> MemberRecord? {
        try await client.transaction(logger: logger) { tx -> MemberRecord? in
            let found = try await find(plan: plan, certificate: certificate, on: tx)
            var event = event
            event.details.outcome = found == nil ? "not_found" : "found"
            event.details.memberId = found?.memberID.uuidString.lowercased()
            try await audit.append(event, plan: plan, on: tx)
            return found?.record
        }
    }

    /// Locks or unlocks the member's account with its audit event (`member.locked` or
    /// `member.unlocked`, outcome `changed` or `unchanged`). Locking also ends every session and
    /// device token of the account in the same transaction. Repeating either is harmless.
    ///
    /// A lock that changes the account queues a `member.locked` webhook event (reason
    /// `support`) in the same transaction: it exists exactly when the lock does.
    func setLocked(plan: PlanSlug, certificate: String, locked: Bool, event: NewAuditEvent) async throws -> MemberRecord {
        try await client.transaction(logger: logger) { tx in
            let (memberID, accountID) = try await account(plan: plan, certificate: certificate, on: tx)
            let status: AccountStatus = locked ? .locked : .active
            let changed = try await tx.query(
                """
                UPDATE \(schema: plan).accounts SET status = \(status), updated_at = now()
                WHERE id = \(accountID) AND status <> \(status)
                RETURNING 1
                """,
                logger: logger
            ).exists
            if locked { _ = try await sessions.revokeAll(plan: plan, accountID: accountID, on: tx) }
            var event = event
            event.details.outcome = changed ? "changed" : "unchanged"
            event.details.memberId = memberID.uuidString.lowercased()
            try await audit.append(event, plan: plan, on: tx)
            guard let found = try await find(plan: plan, certificate: certificate, on: tx) else { throw Problem.memberNotFound }
            if locked, changed {
                try await webhooks.enqueue(.memberLocked(certificateNumber: found.record.certificateNumber, reason: "support"), plan: plan, on: tx)
            }
            return found.record
        }
    }

    /// Ends every session and device token of the member's account ("log out everywhere"), with
    /// its `member.sessions_revoked` audit event.
    func revokeSessions(plan: PlanSlug, certificate: String, event: NewAuditEvent) async throws -> RevokedCredentials {
        try await client.transaction(logger: logger) { tx in
            let (memberID, accountID) = try await account(plan: plan, certificate: certificate, on: tx)
            let revoked = try await sessions.revokeAll(plan: plan, accountID: accountID, on: tx)
            var event = event
            event.details.outcome = "sessions=\(revoked.sessionsRevoked),device_tokens=\(revoked.deviceTokensRevoked)"
            event.details.memberId = memberID.uuidString.lowercased()
            try await audit.append(event, plan: plan, on: tx)
            return revoked
        }
    }

    /// The member and their account; 404 `member_not_found` or `account_not_found`.
    private func account(plan: PlanSlug, certificate: String, on tx: PostgresConnection) async throws -> (UUID, UUID) {
        guard let found = try await find(plan: plan, certificate: certificate, on: tx) else { throw Problem.memberNotFound }
        guard let accountID = found.accountID else { throw Problem.accountNotFound }
        return (found.memberID, accountID)
    }

    private func find(plan: PlanSlug, certificate: String, on tx: PostgresConnection) async throws -> Found? {
        let rows = try await tx.query(
            """
            SELECT m.id, a.id, m.certificate_number, m.last_name, m.first_name, m.date_of_birth::text, m.email,
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
        guard var found = try await rows.decode((UUID, UUID?, String, String, String, String, String?, String, Date, Date).self).one().map({
            Found(
                memberID: $0, accountID: $1,
                record: MemberRecord(
                    certificateNumber: $2, lastName: $3, firstName: $4, dateOfBirth: $5, email: $6, accountStatus: $7, createdAt: $8, updatedAt: $9
                )
            )
        }) else { return nil }
        found.record.dependants = try await dependants.family(plan: plan, memberID: found.memberID, on: tx)
        return found
    }
}

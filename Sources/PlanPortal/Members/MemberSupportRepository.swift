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
}

/// The support view of a plan's members; every look-up is audited.
struct MemberSupportRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    let logger: Logger

    /// The member with `certificate` (normalised), with the look-up's audit event (`found` or `not_found`).
    func member(plan: PlanSlug, certificate: String, event: NewAuditEvent) async throws -> MemberRecord? {
        try await client.transaction(logger: logger) { tx -> MemberRecord? in
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
                MemberRecord(
                    certificateNumber: $0, lastName: $1, firstName: $2, dateOfBirth: $3, email: $4, accountStatus: $5, createdAt: $6, updatedAt: $7
                )
            }
            var event = event
            event.details.outcome = record == nil ? "not_found" : "found"
            try await audit.append(event, plan: plan, on: tx)
            return record
        }
    }
}

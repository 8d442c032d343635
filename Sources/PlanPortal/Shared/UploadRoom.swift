import Foundation
import Logging
import PostgresNIO

/// Whether a member may add an upload of `incoming` bytes to one of their records: the record is
/// theirs and still `submitted`, it holds fewer than `AttachmentLimits.perClaim` uploads, and the
/// account's uploads of this kind in the last 24 hours leave room (else 429 with the seconds until
/// enough of them are older than a day). Receipts on claims and proof documents on dependant
/// requests are checked by this one statement pair, each kind counted apart.
struct UploadRoom: Sendable {
    /// The member's records and the uploads table with its column naming the record. Fixed in code.
    let records: String
    let uploads: String
    let recordColumn: String
    let notFound: Problem
    let notEditable: Problem
    let limitReached: Problem

    static let claimReceipts = UploadRoom(
        records: "claims", uploads: "claim_attachments", recordColumn: "claim_id",
        notFound: .claimNotFound, notEditable: .claimNotEditable, limitReached: .attachmentLimitReached
    )
    static let requestDocuments = UploadRoom(
        records: "dependant_requests", uploads: "dependant_request_documents", recordColumn: "request_id",
        notFound: .dependantRequestNotFound, notEditable: .dependantRequestNotEditable, limitReached: .documentLimitReached
    )

    /// Throws the problem that refuses the upload, if any. `locking` inside the storing
    /// transaction (after the account's row lock): the record is read `FOR SHARE`, so the counts
    /// cannot change underneath.
    func check(
        plan: PlanSlug, accountID: UUID, recordID: UUID, incoming: Int, locking: Bool, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let statuses = try await connection.query(
            """
            SELECT status = 'submitted' FROM \(schema: plan).\(unescaped: records)
            WHERE id = \(recordID) AND account_id = \(accountID) \(unescaped: locking ? "FOR SHARE" : "")
            """,
            logger: logger
        )
        guard let submitted = try await statuses.decode(Bool.self).one() else { throw notFound }
        guard submitted else { throw notEditable }
        // The seconds until enough of the account's recent bytes are more than 24 hours old for
        // `incoming` to fit (oldest first), or null when it fits now.
        let rows = try await connection.query(
            """
            WITH recent AS (
                SELECT u.id, u.size_bytes::bigint AS size, u.created_at
                FROM \(schema: plan).\(unescaped: uploads) u JOIN \(schema: plan).\(unescaped: records) r ON r.id = u.\(unescaped: recordColumn)
                WHERE r.account_id = \(accountID) AND u.created_at > now() - interval '24 hours'
            ), running AS (
                SELECT created_at, sum(size) OVER (ORDER BY created_at, id) AS expiring, sum(size) OVER () AS used FROM recent
            )
            SELECT (SELECT count(*)::int FROM \(schema: plan).\(unescaped: uploads) WHERE \(unescaped: recordColumn) = \(recordID)),
                   CASE WHEN coalesce((SELECT sum(size) FROM recent), 0) + \(incoming) <= \(AttachmentLimits.dailyBytes) THEN NULL
                        ELSE coalesce((SELECT ceil(extract(epoch FROM min(created_at) + interval '24 hours' - now()))::bigint
                                       FROM running WHERE used - expiring + \(incoming) <= \(AttachmentLimits.dailyBytes)), 86400) END
            """,
            logger: logger
        )
        guard let (count, wait) = try await rows.decode((Int, Int64?).self).one() else { throw Problem.internalError }
        guard count < AttachmentLimits.perClaim else { throw limitReached }
        if let wait { throw Problem.uploadQuotaExceeded(retryAfter: max(1, Int(wait))) }
    }
}

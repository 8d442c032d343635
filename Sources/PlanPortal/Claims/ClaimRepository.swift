import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Claims of a plan's members: submission (idempotent), receipts, lists, and the TPA's transitions.
/// Every state change is written with its audit event (and, for transitions, the member's e-mail)
/// in one transaction.
public struct ClaimRepository: Sendable {
    let client: Database
    let benefits: BenefitsRepository
    let audit: AuditRepository
    let outbox: Outbox
    let webhooks: WebhookOutbox
    let logger: Logger

    /// Takes the Idempotency-Key first (primary key `(account_id, idempotency_key)`): a concurrent
    /// request with the same key waits on it, then finds it taken and replays, so one claim is written.
    /// Keys older than 24 hours are forgotten.
    func submit(
        plan: PlanSlug, accountID: UUID, key: IdempotencyKey, submission: ClaimSubmission, patient: String, facts: RequestFacts
    ) async throws -> SubmittedClaim {
        let fingerprint = ByteBuffer(bytes: submission.fingerprint)
        return try await client.transaction(logger: logger) { tx in
            try await tx.query(
                """
                DELETE FROM \(schema: plan).claim_idempotency_keys
                WHERE account_id = \(accountID) AND idempotency_key = \(key.value) AND created_at < now() - interval '24 hours'
                """,
                logger: logger
            )
            let taken = try await tx.query(
                """
                INSERT INTO \(schema: plan).claim_idempotency_keys (account_id, idempotency_key, request_hash)
                VALUES (\(accountID), \(key.value), \(fingerprint))
                ON CONFLICT DO NOTHING RETURNING true
                """,
                logger: logger
            )
            guard try await taken.exists else { return try await replay(plan: plan, accountID: accountID, key: key, fingerprint: fingerprint, on: tx) }

            guard let member = try await benefits.memberCoverage(plan: plan, accountID: accountID, on: tx) else {
                throw Problem.sessionRequired
            }
            let memberID = member.id
            guard try await benefits.benefits(plan: plan, on: tx)?.category(submission.category) != nil else {
                throw ClaimSubmission.unknownCategory()
            }
            if patient == Patient.selfValue {
                guard member.coverage.covers(submission.serviceDate) else { throw ClaimSubmission.outsideCoverage() }
            } else {
                let dependant = try await benefits.dependants.dependant(plan: plan, memberID: memberID, dependantID: patient, on: tx)
                guard let dependant, dependant.coverage(under: member.coverage).covers(submission.serviceDate) else { throw Problem.patientNotCovered }
            }
            let inserted = try await tx.query(
                // The certificate number through a join, not a subquery in RETURNING (which Citus
                // refuses in an INSERT on a distributed schema).
                """
                WITH inserted AS (
                    INSERT INTO \(schema: plan).claims
                        (account_id, member_id, category, service_date, provider_name, amount_cents, currency, notes, patient)
                    VALUES (\(accountID), \(memberID), \(submission.category), \(submission.serviceDate)::date,
                            \(submission.providerName.trimmingCharacters(in: .whitespacesAndNewlines)), \(submission.amountCents),
                            \(submission.currency), \(submission.notes), \(patient))
                    RETURNING id, member_id
                )
                SELECT inserted.id, m.certificate_number FROM inserted JOIN \(schema: plan).members m ON m.id = inserted.member_id
                """,
                logger: logger
            )
            guard let (claimID, certificate) = try await inserted.decode((UUID, String).self).one() else { throw Problem.internalError }
            try await recordStatus(plan: plan, claimID: claimID, status: .submitted, reason: nil, on: tx)
            let actor = AuditActor.member(accountID)
            try await audit.append(facts.event("claim.submitted", actor: actor, details: .init(outcome: claimID.uuidString.lowercased())), plan: plan, on: tx)
            guard let detail = try await detail(plan: plan, claimID: claimID, accountID: accountID, on: tx) else { throw Problem.internalError }
            try await webhooks.enqueue(.claimSubmitted(detail.summary, certificateNumber: certificate), plan: plan, on: tx)
            let body = String(decoding: try JSONCoding.encoder.encode(detail), as: UTF8.self)
            try await tx.query(
                """
                UPDATE \(schema: plan).claim_idempotency_keys SET claim_id = \(claimID), response_body = \(body)
                WHERE account_id = \(accountID) AND idempotency_key = \(key.value)
                """,
                logger: logger
            )
            return SubmittedClaim(claimID: claimID, json: body, replayed: false)
        }
    }

    private func replay(plan: PlanSlug, accountID: UUID, key: IdempotencyKey, fingerprint: ByteBuffer, on tx: PostgresConnection) async throws -> SubmittedClaim {
        let rows = try await tx.query(
            """
            SELECT request_hash, claim_id, response_body FROM \(schema: plan).claim_idempotency_keys
            WHERE account_id = \(accountID) AND idempotency_key = \(key.value)
            """,
            logger: logger
        )
        if let (hash, claimID, body) = try await rows.decode((ByteBuffer, UUID?, String?).self).one() {
            guard hash == fingerprint else { throw Problem.idempotencyKeyReused }
            if let claimID, let body { return SubmittedClaim(claimID: claimID, json: body, replayed: true) }
        }
        // The other request's transaction is gone (rolled back) between our two statements: rare; retry.
        throw Problem.serviceBusy
    }

    private func recordStatus(plan: PlanSlug, claimID: UUID, status: ClaimStatus, reason: String?, on tx: PostgresConnection) async throws {
        try await tx.query(
            """
            INSERT INTO \(schema: plan).claim_status_history (claim_id, status, reason)
            VALUES (\(claimID), \(status), \(reason))
            """,
            logger: logger
        )
    }

    // MARK: Receipts

    /// Refuses an upload before its body is read: `claim_not_found`, `claim_not_editable`,
    /// `attachment_limit_reached` or `upload_quota_exceeded` for `incoming` more bytes.
    func checkAttachmentRoom(plan: PlanSlug, accountID: UUID, claimID: UUID, incoming: Int) async throws {
        try await client.withConnection { connection in
            try await UploadRoom.claimReceipts.check(plan: plan, accountID: accountID, recordID: claimID, incoming: incoming, locking: false, on: connection, logger: logger)
        }
    }

    /// Stores a sniffed receipt on a claim of this account that is still `submitted`, within the
    /// per-claim and per-account limits. The account's row is locked first, so of concurrent
    /// uploads by one member each sees the ones stored before it.
    func addAttachment(
        plan: PlanSlug, accountID: UUID, claimID: UUID, contentType: String, filename: String?, bytes: ByteBuffer, facts: RequestFacts
    ) async throws -> ClaimAttachmentInfo {
        let sha256 = SHA256.hash(data: bytes.readableBytesView).hexString
        return try await client.transaction(logger: logger) { tx in
            try await tx.query("SELECT 1 FROM \(schema: plan).accounts WHERE id = \(accountID) FOR NO KEY UPDATE", logger: logger)
            try await UploadRoom.claimReceipts.check(plan: plan, accountID: accountID, recordID: claimID, incoming: bytes.readableBytes, locking: true, on: tx, logger: logger)
            let inserted = try await tx.query(
                """
                INSERT INTO \(schema: plan).claim_attachments (claim_id, content_type, filename, size_bytes, sha256, content)
                VALUES (\(claimID), \(contentType), \(filename), \(bytes.readableBytes), decode(\(sha256), 'hex'), \(bytes))
                RETURNING id, created_at
                """,
                logger: logger
            )
            guard let (id, at) = try await inserted.decode((UUID, Date).self).one() else { throw Problem.internalError }
            let info = ClaimAttachmentInfo(id: id, contentType: contentType, filename: filename, sizeBytes: bytes.readableBytes, sha256: sha256, createdAt: at)
            let actor = AuditActor.member(accountID)
            try await audit.append(facts.event("claim.attachment_added", actor: actor, details: .init(outcome: claimID.uuidString.lowercased())), plan: plan, on: tx)
            return info
        }
    }

    /// A receipt's media type, file name and bytes, when the claim is this account's (`accountID`
    /// nil: any claim of the plan).
    func attachment(plan: PlanSlug, accountID: UUID?, claimID: UUID, attachmentID: UUID) async throws -> ClaimAttachment? {
        try await client.withConnection { try await attachment(plan: plan, accountID: accountID, claimID: claimID, attachmentID: attachmentID, on: $0) }
    }

    private func attachment(plan: PlanSlug, accountID: UUID?, claimID: UUID, attachmentID: UUID, on connection: PostgresConnection) async throws -> ClaimAttachment? {
        let rows = try await connection.query(
            """
            SELECT a.content_type, a.filename, a.content
            FROM \(schema: plan).claim_attachments a JOIN \(schema: plan).claims c ON c.id = a.claim_id
            WHERE a.id = \(attachmentID) AND a.claim_id = \(claimID) AND (\(accountID == nil) OR c.account_id = \(accountID ?? UUID()))
            """,
            logger: logger
        )
        return try await rows.decode((String, String?, ByteBuffer).self).one().map { ClaimAttachment(contentType: $0, filename: $1, bytes: $2) }
    }

    // MARK: The TPA's reads, audited

    /// A claim as the TPA sees it (with the certificate number), with `event` (`claim.viewed`)
    /// recording the claim and the member it concerns.
    func detailForTPA(plan: PlanSlug, claimID: UUID, event: NewAuditEvent) async throws -> ClaimDetail? {
        try await client.transaction(logger: logger) { tx -> ClaimDetail? in
            guard let detail = try await detail(plan: plan, claimID: claimID, accountID: nil, on: tx) else { return nil }
            try await auditRead(event, plan: plan, claimID: claimID, on: tx)
            return detail
        }
    }

    /// A receipt of any claim of the plan, with `event` (`claim.attachment_viewed`) recording the
    /// claim and the member it concerns.
    func attachmentForTPA(plan: PlanSlug, claimID: UUID, attachmentID: UUID, event: NewAuditEvent) async throws -> ClaimAttachment? {
        try await client.transaction(logger: logger) { tx -> ClaimAttachment? in
            guard let attachment = try await attachment(plan: plan, accountID: nil, claimID: claimID, attachmentID: attachmentID, on: tx) else { return nil }
            try await auditRead(event, plan: plan, claimID: claimID, on: tx)
            return attachment
        }
    }

    private func auditRead(_ event: NewAuditEvent, plan: PlanSlug, claimID: UUID, on tx: PostgresConnection) async throws {
        let member = try await tx.query("SELECT member_id FROM \(schema: plan).claims WHERE id = \(claimID)", logger: logger).decode(UUID.self).one()
        var event = event
        event.details.outcome = claimID.uuidString.lowercased()
        event.details.memberId = member?.uuidString.lowercased()
        try await audit.append(event, plan: plan, on: tx)
    }

    // MARK: Reading

    /// Newest first by keyset; `accountID` nil lists the whole plan (TPA).
    public func list(plan: PlanSlug, accountID: UUID?, query: ClaimListQuery) async throws -> ClaimPage<AdminClaimSummary> {
        // A member's page comes from the plan schema's `member_claims_page` (sql/tenant/0012), whose
        // plans each connection keeps; the TPA's list of the whole plan is planned per request.
        let statement: PostgresQuery
        if let accountID {
            statement = """
                SELECT * FROM \(schema: plan).member_claims_page(
                    \(accountID), \(query.status?.rawValue), \(query.before ?? Int64.max), \(query.limit + 1)
                )
                """
        } else {
            statement = """
                SELECT \(unescaped: ClaimRow.columns)
                FROM \(schema: plan).claims c JOIN \(schema: plan).members m ON m.id = c.member_id
                WHERE (\(query.status == nil) OR c.status = \(query.status?.rawValue ?? "")) AND c.seq < \(query.before ?? Int64.max)
                ORDER BY c.seq DESC
                LIMIT \(query.limit + 1)
                """
        }
        let rows = try await client.query(statement, logger: logger)
        var found: [ClaimRow] = []
        for try await row in rows { found.append(try ClaimRow(row)) }
        let page = found.prefix(query.limit)
        return ClaimPage(
            items: page.map { AdminClaimSummary(summary: $0.summary, certificateNumber: $0.certificateNumber) },
            nextCursor: found.count > query.limit ? page.last.map { Cursor.encode($0.seq) } : nil
        )
    }

    /// A claim with receipts and history; `accountID` nil for the TPA (then with the certificate number).
    public func detail(plan: PlanSlug, claimID: UUID, accountID: UUID?) async throws -> ClaimDetail? {
        try await client.withConnection { try await detail(plan: plan, claimID: claimID, accountID: accountID, on: $0) }
    }

    func detail(plan: PlanSlug, claimID: UUID, accountID: UUID?, on connection: PostgresConnection) async throws -> ClaimDetail? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: ClaimRow.columns)
            FROM \(schema: plan).claims c JOIN \(schema: plan).members m ON m.id = c.member_id
            WHERE c.id = \(claimID) AND (\(accountID == nil) OR c.account_id = \(accountID ?? UUID()))
            """,
            logger: logger
        )
        guard let row = try await rows.one().map(ClaimRow.init) else { return nil }
        var detail = ClaimDetail(
            summary: row.summary, notes: row.notes, attachments: [], statusHistory: [],
            certificateNumber: accountID == nil ? row.certificateNumber : nil
        )
        let attachments = try await connection.query(
            """
            SELECT id, content_type, filename, size_bytes, encode(sha256, 'hex'), created_at
            FROM \(schema: plan).claim_attachments WHERE claim_id = \(claimID) ORDER BY created_at, id
            """,
            logger: logger
        )
        for try await (id, type, filename, size, sha, at) in attachments.decode((UUID, String, String?, Int, String, Date).self) {
            detail.attachments.append(ClaimAttachmentInfo(id: id, contentType: type, filename: filename, sizeBytes: size, sha256: sha, createdAt: at))
        }
        let history = try await connection.query(
            "SELECT status, at, reason FROM \(schema: plan).claim_status_history WHERE claim_id = \(claimID) ORDER BY id",
            logger: logger
        )
        for try await (status, at, reason) in history.decode((ClaimStatus, Date, String?).self) {
            detail.statusHistory.append(ClaimStatusChange(status: status, at: at, reason: reason))
        }
        return detail
    }

    // MARK: TPA transitions

    /// A change the TPA asks for.
    public enum Change: Sendable {
        /// `in_review` or `paid`.
        case status(ClaimStatus, reason: String?)
        case decision(ClaimDecision)

        var target: ClaimStatus {
            switch self {
            case .status(let status, _): status
            case .decision(let decision): decision.outcome
            }
        }

        var reason: String? {
            switch self {
            case .status(_, let reason): reason
            case .decision(let decision): decision.reason
            }
        }
    }

    /// Applies `change` under a row lock on the claim (so of concurrent changes exactly one sees the
    /// old status), and for decisions a lock on the member (so concurrent decisions on two claims
    /// cannot both spend the same annual maximum). Queues the member's e-mail in the same transaction.
    public func transition(plan: Plan, claimID: UUID, change: Change, event: NewAuditEvent) async throws -> ClaimDetail {
        let slug = plan.slug
        return try await client.transaction(logger: logger) { tx in
            let rows = try await tx.query(
                """
                SELECT c.status, c.amount_cents, c.category, c.service_date::text, c.member_id, c.patient, a.email, a.locale
                FROM \(schema: slug).claims c JOIN \(schema: slug).accounts a ON a.id = c.account_id
                WHERE c.id = \(claimID)
                FOR UPDATE OF c
                """,
                logger: logger
            )
            guard let (current, amount, categoryCode, serviceDate, memberID, patient, email, locale)
                = try await rows.decode((ClaimStatus, Int64, String, String, UUID, String, String, Language).self).one()
            else { throw Problem.claimNotFound }
            let target = change.target
            guard current.allows(target) else { throw Problem.invalidTransition(from: current, to: target) }

            var approved: Int64?
            if case .decision(let decision) = change {
                approved = try await approvedAmount(
                    plan: slug, decision: decision, amount: amount, category: categoryCode, serviceDate: serviceDate, memberID: memberID,
                    patient: patient, on: tx
                )
            }
            try await tx.query(
                """
                UPDATE \(schema: slug).claims
                SET status = \(target), approved_amount_cents = coalesce(\(approved), approved_amount_cents), updated_at = now()
                WHERE id = \(claimID)
                """,
                logger: logger
            )
            try await recordStatus(plan: slug, claimID: claimID, status: target, reason: change.reason, on: tx)
            var event = event
            event.details.outcome = target.rawValue
            try await audit.append(event, plan: slug, on: tx)
            guard let detail = try await detail(plan: slug, claimID: claimID, accountID: nil, on: tx) else { throw Problem.claimNotFound }
            let message = MailTemplates.claimStatusChanged(
                plan: plan, language: locale, to: email, claim: detail.summary, reason: change.reason
            )
            try await outbox.enqueue(message, kind: "claim_\(target.rawValue)", plan: slug, on: tx)
            if let certificate = detail.certificateNumber {
                try await webhooks.enqueue(.claimStatusChanged(detail.summary, previousStatus: current, certificateNumber: certificate), plan: slug, on: tx)
            }
            return detail
        }
    }

    /// The decided amount: the request's, or the cap for `approved` without one; 422 above the cap
    /// (coverage percent × amount, per-claim maximum, and what is left of the annual maximum in the
    /// benefit year of the service date: the patient's, or the family's for a `family` maximum).
    /// The member's row is locked first: every claim of the family is the member's, so concurrent
    /// decisions on any of them cannot both spend the same maximum.
    private func approvedAmount(
        plan: PlanSlug, decision: ClaimDecision, amount: Int64, category code: String, serviceDate: String, memberID: UUID, patient: String,
        on tx: PostgresConnection
    ) async throws -> Int64 {
        guard decision.outcome != .denied else { return 0 }
        try await tx.query("SELECT 1 FROM \(schema: plan).members WHERE id = \(memberID) FOR UPDATE", logger: logger)
        let planBenefits = try await benefits.benefits(plan: plan, on: tx)
        var cap: Int64 = 0
        if let planBenefits, let category = planBenefits.category(code) {
            let year = BenefitYear.containing(serviceDate, start: planBenefits.benefitYearStart)
            let usage = try await benefits.usage(plan: plan, memberID: memberID, period: .init(start: year.start, end: year.end), on: tx)
            cap = category.cap(amount: amount, used: usage.used(category, patient: patient))
        }
        let requested = decision.approvedAmountCents ?? cap
        guard requested > 0, requested <= cap else { throw Problem.approvedAmountAboveCap(cap) }
        return requested
    }
}

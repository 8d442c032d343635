import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Enrolment requests: the member asks, uploads proof, the TPA decides. Every step is written
/// with its audit event, the member's e-mail and its webhook event in one transaction.
struct DependantRequestRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    let outbox: Outbox
    let webhooks: WebhookOutbox
    let logger: Logger

    /// Stores a validated request. The account's row is locked first, so concurrent requests of
    /// one member each see the ones before it when the pending ones are counted.
    func submit(plan: Plan, accountID: UUID, input: DependantRequestSubmission, late: Bool, facts: RequestFacts) async throws -> DependantRequest {
        let slug = plan.slug
        return try await client.transaction(logger: logger) { tx in
            let owner = try await tx.query(
                """
                SELECT a.member_id, m.certificate_number, a.email, a.locale
                FROM \(schema: slug).accounts a JOIN \(schema: slug).members m ON m.id = a.member_id
                WHERE a.id = \(accountID)
                FOR NO KEY UPDATE OF a
                """,
                logger: logger
            )
            guard let (memberID, certificate, email, locale) = try await owner.decode((UUID, String, String, Language).self).one() else {
                throw Problem.sessionRequired
            }
            let pending = try await tx.query(
                "SELECT count(*)::int FROM \(schema: slug).dependant_requests WHERE account_id = \(accountID) AND status = 'submitted'",
                logger: logger
            ).decode(Int.self).one() ?? 0
            guard pending < DependantLimits.pendingRequests else { throw Problem.dependantRequestLimitReached }
            let inserted = try await tx.query(
                """
                INSERT INTO \(schema: slug).dependant_requests
                    (account_id, member_id, relationship, last_name, first_name, date_of_birth, event_date, late)
                VALUES (\(accountID), \(memberID), \(input.relationship), \(input.lastName), \(input.firstName),
                        \(input.dateOfBirth)::date, \(input.eventDate)::date, \(late))
                RETURNING id
                """,
                logger: logger
            )
            guard let requestID = try await inserted.decode(UUID.self).one() else { throw Problem.internalError }
            try await audit.append(
                facts.event("dependant_request.submitted", actor: .member(accountID), details: .init(outcome: requestID.uuidString.lowercased(), memberId: memberID)),
                plan: slug, on: tx
            )
            guard let request = try await find(plan: slug, requestID: requestID, accountID: accountID, on: tx) else { throw Problem.internalError }
            try await outbox.enqueue(
                MailTemplates.dependantRequest(plan: plan, language: locale, to: email, request: request), kind: "dependant_request_submitted", plan: slug, on: tx
            )
            try await webhooks.enqueue(
                .dependantRequestSubmitted(requestID: requestID, certificateNumber: certificate, relationship: input.relationship.rawValue, late: late),
                plan: slug, on: tx
            )
            return request
        }
    }

    /// Decides a request still `submitted` under a row lock on it (of concurrent decisions exactly
    /// one wins; the others get 409). An approval adds the dependant with the given id, or a
    /// generated one, covered from the event date unless the decision says otherwise.
    func decide(plan: Plan, requestID: UUID, decision: DependantRequestDecision, event: NewAuditEvent) async throws -> DependantRequest {
        let slug = plan.slug
        return try await client.transaction(logger: logger) { tx in
            let rows = try await tx.query(
                """
                SELECT r.status, r.member_id, r.relationship, r.last_name, r.first_name, r.date_of_birth::text, r.event_date::text, r.late,
                       a.email, a.locale, m.certificate_number
                FROM \(schema: slug).dependant_requests r
                JOIN \(schema: slug).accounts a ON a.id = r.account_id
                JOIN \(schema: slug).members m ON m.id = r.member_id
                WHERE r.id = \(requestID)
                FOR UPDATE OF r
                """,
                logger: logger
            )
            guard let (status, memberID, relationship, lastName, firstName, dob, eventDate, late, email, locale, certificate)
                = try await rows.decode((DependantRequestStatus, UUID, Relationship, String, String, String, String, Bool, String, Language, String).self).one()
            else { throw Problem.dependantRequestNotFound }
            guard status == .submitted else { throw Problem.dependantRequestAlreadyDecided }

            var dependantRef: UUID?
            var dependantID: String?
            if decision.outcome == .approved {
                for attempt in 0..<5 {
                    let candidate = decision.dependantId ?? Self.generatedID()
                    let added = try await tx.query(
                        """
                        INSERT INTO \(schema: slug).dependants
                            (member_id, dependant_id, relationship, last_name, first_name, date_of_birth, coverage_start, coverage_end)
                        VALUES (\(memberID), \(candidate), \(relationship), \(lastName), \(firstName), \(dob)::date,
                                \(decision.coverageStart ?? eventDate)::date, \(decision.coverageEnd)::date)
                        ON CONFLICT (dependant_id) DO NOTHING
                        RETURNING id
                        """,
                        logger: logger
                    )
                    if let id = try await added.decode(UUID.self).one() {
                        (dependantRef, dependantID) = (id, candidate)
                        break
                    }
                    if decision.dependantId != nil || attempt == 4 { throw Problem.dependantIdTaken }
                }
            }
            try await tx.query(
                """
                UPDATE \(schema: slug).dependant_requests
                SET status = \(decision.outcome.rawValue), reason = \(decision.reason), dependant_ref = \(dependantRef), decided_at = now()
                WHERE id = \(requestID)
                """,
                logger: logger
            )
            var event = event
            event.details.outcome = decision.outcome.rawValue
            event.details.memberId = memberID.uuidString.lowercased()
            try await audit.append(event, plan: slug, on: tx)
            guard let request = try await find(plan: slug, requestID: requestID, accountID: nil, on: tx) else { throw Problem.internalError }
            try await outbox.enqueue(
                MailTemplates.dependantRequest(plan: plan, language: locale, to: email, request: request),
                kind: "dependant_request_\(decision.outcome.rawValue)", plan: slug, on: tx
            )
            try await webhooks.enqueue(
                .dependantRequestDecided(
                    requestID: requestID, certificateNumber: certificate, relationship: relationship.rawValue, late: late,
                    outcome: decision.outcome.rawValue, dependantID: dependantID
                ),
                plan: slug, on: tx
            )
            return request
        }
    }

    /// `D` and 9 random letters and digits.
    static func generatedID() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return "D" + String((0..<9).map { _ in alphabet.randomElement()! })
    }

    // MARK: Documents

    /// Refuses an upload before its body is read: `dependant_request_not_found`,
    /// `dependant_request_not_editable`, `attachment_limit_reached` or `upload_quota_exceeded`.
    func checkDocumentRoom(plan: PlanSlug, accountID: UUID, requestID: UUID, incoming: Int) async throws {
        try await client.withConnection { connection in
            try await UploadRoom.requestDocuments.check(plan: plan, accountID: accountID, recordID: requestID, incoming: incoming, locking: false, on: connection, logger: logger)
        }
    }

    /// Stores a sniffed document on a request of this account still awaiting its decision.
    func addDocument(
        plan: PlanSlug, accountID: UUID, requestID: UUID, contentType: String, filename: String?, bytes: ByteBuffer, facts: RequestFacts
    ) async throws -> DependantRequestDocument {
        let sha256 = SHA256.hash(data: bytes.readableBytesView).hexString
        return try await client.transaction(logger: logger) { tx in
            try await tx.query("SELECT 1 FROM \(schema: plan).accounts WHERE id = \(accountID) FOR NO KEY UPDATE", logger: logger)
            try await UploadRoom.requestDocuments.check(plan: plan, accountID: accountID, recordID: requestID, incoming: bytes.readableBytes, locking: true, on: tx, logger: logger)
            let inserted = try await tx.query(
                """
                INSERT INTO \(schema: plan).dependant_request_documents (request_id, content_type, filename, size_bytes, sha256, content)
                VALUES (\(requestID), \(contentType), \(filename), \(bytes.readableBytes), decode(\(sha256), 'hex'), \(bytes))
                RETURNING id, created_at
                """,
                logger: logger
            )
            guard let (id, at) = try await inserted.decode((UUID, Date).self).one() else { throw Problem.internalError }
            try await audit.append(
                facts.event("dependant_request.document_added", actor: .member(accountID), details: .init(outcome: requestID.uuidString.lowercased())),
                plan: plan, on: tx
            )
            return DependantRequestDocument(id: id, contentType: contentType, filename: filename, sizeBytes: bytes.readableBytes, sha256: sha256, createdAt: at)
        }
    }

    /// A proof document's bytes, when the request is this account's (`accountID` nil: any request
    /// of the plan). With `event`, the read is recorded in the plan's audit trail (the TPA's reads).
    func document(plan: PlanSlug, accountID: UUID?, requestID: UUID, documentID: UUID, event: NewAuditEvent? = nil) async throws -> ClaimAttachment? {
        try await client.transaction(logger: logger) { tx -> ClaimAttachment? in
            let rows = try await tx.query(
                """
                SELECT d.content_type, d.filename, d.content, r.member_id
                FROM \(schema: plan).dependant_request_documents d JOIN \(schema: plan).dependant_requests r ON r.id = d.request_id
                WHERE d.id = \(documentID) AND d.request_id = \(requestID) AND (\(accountID == nil) OR r.account_id = \(accountID ?? UUID()))
                """,
                logger: logger
            )
            guard let (contentType, filename, bytes, memberID) = try await rows.decode((String, String?, ByteBuffer, UUID).self).one() else { return nil }
            if var event {
                event.details.outcome = requestID.uuidString.lowercased()
                event.details.memberId = memberID.uuidString.lowercased()
                try await audit.append(event, plan: plan, on: tx)
            }
            return ClaimAttachment(contentType: contentType, filename: filename, bytes: bytes)
        }
    }

    // MARK: Reading

    static let columns = """
        r.seq, r.id, r.status, r.late, r.relationship, r.last_name, r.first_name, r.date_of_birth::text, r.event_date::text, r.reason,
        d.dependant_id, r.created_at, r.decided_at, m.certificate_number
        """

    /// Newest first by keyset; `accountID` nil lists the whole plan (TPA, with certificate numbers).
    func list(plan: PlanSlug, accountID: UUID?, query: DependantRequestListQuery) async throws -> DependantRequestPage {
        try await client.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns)
                FROM \(schema: plan).dependant_requests r JOIN \(schema: plan).members m ON m.id = r.member_id
                LEFT JOIN \(schema: plan).dependants d ON d.id = r.dependant_ref
                WHERE (\(accountID == nil) OR r.account_id = \(accountID ?? UUID()))
                  AND (\(query.status == nil) OR r.status = \(query.status?.rawValue ?? ""))
                  AND r.seq < \(query.before ?? Int64.max)
                ORDER BY r.seq DESC
                LIMIT \(query.limit + 1)
                """,
                logger: logger
            )
            var found: [(Int64, DependantRequest)] = []
            for try await row in rows { found.append(try Self.request(row, withCertificate: accountID == nil)) }
            var page = Array(found.prefix(query.limit))
            try await attachDocuments(plan: plan, to: &page, on: connection)
            return DependantRequestPage(
                items: page.map { $0.1 }, nextCursor: found.count > query.limit ? page.last.map { Cursor.encode($0.0) } : nil
            )
        }
    }

    func find(plan: PlanSlug, requestID: UUID, accountID: UUID?, on connection: PostgresConnection) async throws -> DependantRequest? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns)
            FROM \(schema: plan).dependant_requests r JOIN \(schema: plan).members m ON m.id = r.member_id
            LEFT JOIN \(schema: plan).dependants d ON d.id = r.dependant_ref
            WHERE r.id = \(requestID) AND (\(accountID == nil) OR r.account_id = \(accountID ?? UUID()))
            """,
            logger: logger
        )
        guard let row = try await rows.one() else { return nil }
        var found = [try Self.request(row, withCertificate: accountID == nil)]
        try await attachDocuments(plan: plan, to: &found, on: connection)
        return found.first?.1
    }

    private func attachDocuments(plan: PlanSlug, to requests: inout [(Int64, DependantRequest)], on connection: PostgresConnection) async throws {
        guard !requests.isEmpty else { return }
        let rows = try await connection.query(
            """
            SELECT request_id, id, content_type, filename, size_bytes, encode(sha256, 'hex'), created_at
            FROM \(schema: plan).dependant_request_documents WHERE request_id = ANY(\(requests.map { $0.1.id })::uuid[]) ORDER BY created_at, id
            """,
            logger: logger
        )
        var documents: [UUID: [DependantRequestDocument]] = [:]
        for try await (request, id, type, filename, size, sha, at) in rows.decode((UUID, UUID, String, String?, Int, String, Date).self) {
            documents[request, default: []].append(DependantRequestDocument(id: id, contentType: type, filename: filename, sizeBytes: size, sha256: sha, createdAt: at))
        }
        for index in requests.indices { requests[index].1.documents = documents[requests[index].1.id] ?? [] }
    }

    private static func request(_ row: PostgresRow, withCertificate: Bool) throws -> (Int64, DependantRequest) {
        let (seq, id, status, late, relationship, last, first, dob, event, reason, dependantID, created, decided, certificate) = try row.decode(
            (Int64, UUID, DependantRequestStatus, Bool, Relationship, String, String, String, String, String?, String?, Date, Date?, String).self
        )
        return (seq, DependantRequest(
            id: id, status: status, late: late, relationship: relationship, lastName: last, firstName: first, dateOfBirth: dob,
            eventDate: event, reason: reason, dependantId: dependantID, documents: [], createdAt: created, decidedAt: decided,
            certificateNumber: withCertificate ? certificate : nil
        ))
    }
}

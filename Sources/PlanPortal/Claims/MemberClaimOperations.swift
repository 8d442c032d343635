import Foundation
import NIOCore

/// A member's claims and receipts (tag `member-claims`) for every presentation. Another member's
/// claim or receipt is `claim_not_found` / `attachment_not_found`, never a refusal that says it exists.
struct MemberClaimOperations: Sendable {
    let claims: ClaimRepository
    /// Memory of upload bodies, process-wide (`UPLOAD_MEMORY_MIB`).
    let uploads: UploadBudget

    /// `submitClaim`: for the member or one of their dependants (`patient`; 422
    /// `patient_not_covered` unless that person is covered on the service date); idempotent on `key` for 24 hours: the same key and input give back the first
    /// answer (`replayed`), the same key with another input is refused.
    func submitClaim(
        plan: Plan, session: MemberSession, key: IdempotencyKey, input: ClaimSubmission, facts: RequestFacts,
        today: String = CalendarDate.today()
    ) async throws -> SubmittedClaim {
        try input.validateShape(today: today)
        // A patient that cannot be a dependant id is no dependant of the member's.
        guard let patient = Patient.normalized(input.patient) else { throw Problem.patientNotCovered }
        return try await claims.submit(plan: plan.slug, accountID: session.accountID, key: key, submission: input, patient: patient, facts: facts)
    }

    /// `listMyClaims`: newest first, by keyset.
    func listMyClaims(plan: Plan, session: MemberSession, query: ClaimListQuery) async throws -> ClaimPage<ClaimSummary> {
        let page = try await claims.list(plan: plan.slug, accountID: session.accountID, query: query)
        return ClaimPage(items: page.items.map(\.summary), nextCursor: page.nextCursor)
    }

    /// `getMyClaim`: one claim with its receipts and history.
    func getMyClaim(plan: Plan, session: MemberSession, claimID: UUID) async throws -> ClaimDetail {
        guard let detail = try await claims.detail(plan: plan.slug, claimID: claimID, accountID: session.accountID) else {
            throw Problem.claimNotFound
        }
        return detail
    }

    /// `addClaimAttachment`: a receipt on a claim still `submitted`, at most 10 MiB (whatever body
    /// limit its presentation read it with); its type comes from its first bytes (PDF, JPEG or
    /// PNG), never from what the client says. At most `AttachmentLimits.perClaim` per claim and
    /// `AttachmentLimits.dailyBytes` per account within 24 hours: checked before a byte is read,
    /// and again atomically when the receipt is stored. The body is read by `body` (given the most
    /// bytes it may read) only once its size fits in the process's `UploadBudget`.
    func addClaimAttachment(
        plan: Plan, session: MemberSession, claimID: UUID, filename: ReceiptFilename?, declaredLength: Int?, facts: RequestFacts,
        body: (_ limit: Int) async throws -> ByteBuffer
    ) async throws -> ClaimAttachmentInfo {
        try await uploads.receiveReceipt(declaredLength: declaredLength) { incoming in
            try await claims.checkAttachmentRoom(plan: plan.slug, accountID: session.accountID, claimID: claimID, incoming: incoming)
        } body: { limit in
            try await body(limit)
        } store: { contentType, bytes in
            try await claims.addAttachment(
                plan: plan.slug, accountID: session.accountID, claimID: claimID, contentType: contentType, filename: filename?.value,
                bytes: bytes, facts: facts
            )
        }
    }

    /// `getClaimAttachment`: a receipt's bytes.
    func getClaimAttachment(plan: Plan, session: MemberSession, claimID: UUID, attachmentID: UUID) async throws -> ClaimAttachment {
        guard let attachment = try await claims.attachment(plan: plan.slug, accountID: session.accountID, claimID: claimID, attachmentID: attachmentID)
        else { throw Problem.attachmentNotFound }
        return attachment
    }
}

/// A claim `submitClaim` stored, or found stored under the same idempotency key.
struct SubmittedClaim: Sendable {
    @LowercaseUUID var claimID: UUID
    /// The JSON of the claim as first answered; a replay gives back exactly these bytes.
    var json: String
    var replayed: Bool
}

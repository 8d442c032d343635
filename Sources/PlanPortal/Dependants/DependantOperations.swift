import Foundation
import NIOCore

/// A member's family and enrolment requests (tag `member-dependants`) for every presentation.
/// Another member's request is `dependant_request_not_found`, never a refusal that says it exists.
struct DependantOperations: Sendable {
    let dependants: DependantRepository
    let requests: DependantRequestRepository
    /// Memory of upload bodies, process-wide (`UPLOAD_MEMORY_MIB`), shared with receipts.
    let uploads: UploadBudget

    /// `listMyDependants`: the member's dependants with their coverage dates.
    func listMyDependants(plan: Plan, session: MemberSession) async throws -> DependantList {
        DependantList(items: try await dependants.family(plan: plan.slug, accountID: session.accountID))
    }

    /// `submitDependantRequest`: validated, flagged `late` when made more than the plan's
    /// `enrolmentWindowDays` after the event (never refused for it), audited, e-mailed and
    /// announced (`dependant_request.submitted`) in one transaction.
    func submitDependantRequest(
        plan: Plan, session: MemberSession, input: DependantRequestSubmission, facts: RequestFacts, today: String = CalendarDate.today()
    ) async throws -> DependantRequest {
        let valid = try input.validated(today: today)
        let late = valid.isLate(today: today, windowDays: plan.enrolmentWindowDays)
        return try await requests.submit(plan: plan, accountID: session.accountID, input: valid, late: late, facts: facts)
    }

    /// `listMyDependantRequests`: newest first, by keyset.
    func listMyDependantRequests(plan: Plan, session: MemberSession, query: DependantRequestListQuery) async throws -> DependantRequestPage {
        try await requests.list(plan: plan.slug, accountID: session.accountID, query: query)
    }

    /// `addDependantRequestDocument`: a proof document on a request awaiting its decision, with
    /// the receipts' rules (`MemberClaimOperations.addClaimAttachment`): at most 10 MiB, PDF, JPEG
    /// or PNG by its first bytes, 10 per request, 50 MiB per account within 24 hours, the body
    /// read only once it fits in the process's `UploadBudget`.
    func addDependantRequestDocument(
        plan: Plan, session: MemberSession, requestID: UUID, filename: ReceiptFilename?, declaredLength: Int?, facts: RequestFacts,
        body: (_ limit: Int) async throws -> ByteBuffer
    ) async throws -> DependantRequestDocument {
        try await uploads.receiveReceipt(declaredLength: declaredLength) { incoming in
            try await requests.checkDocumentRoom(plan: plan.slug, accountID: session.accountID, requestID: requestID, incoming: incoming)
        } body: { limit in
            try await body(limit)
        } store: { contentType, bytes in
            try await requests.addDocument(
                plan: plan.slug, accountID: session.accountID, requestID: requestID, contentType: contentType, filename: filename?.value,
                bytes: bytes, facts: facts
            )
        }
    }
}

extension DependantOperations {
    /// `getDependantRequestDocument`: a proof document of one of the member's own requests;
    /// another's, or an id that is not one, is 404 `attachment_not_found`.
    func getDependantRequestDocument(plan: Plan, session: MemberSession, requestID: UUID, documentID: UUID) async throws -> ClaimAttachment {
        guard let document = try await requests.document(plan: plan.slug, accountID: session.accountID, requestID: requestID, documentID: documentID) else {
            throw Problem.attachmentNotFound
        }
        return document
    }
}

extension AdminDependantOperations {
    /// `getPlanDependantRequestDocument`: a proof document of any request of the plan, each read
    /// audited (`dependant_request.document_viewed`, with the request and the member).
    func getPlanDependantRequestDocument(plan: Plan, requestID: UUID, documentID: UUID, event: NewAuditEvent) async throws -> ClaimAttachment {
        guard let document = try await requests.document(plan: plan.slug, accountID: nil, requestID: requestID, documentID: documentID, event: event) else {
            throw Problem.attachmentNotFound
        }
        return document
    }
}

/// What the TPA does with dependants (tag `admin-dependants`), for every presentation.
struct AdminDependantOperations: Sendable {
    let dependants: DependantRepository
    let requests: DependantRequestRepository

    /// `importDependantRoster`: the dependants file, all lines or none.
    func importDependantRoster(plan: Plan, csv: String, event: NewAuditEvent) async throws -> RosterImportResult {
        try await dependants.importCSV(csv, plan: plan.slug, audit: event)
    }

    /// `listDependantRequests`: the plan's requests, newest first, by keyset.
    func listDependantRequests(plan: Plan, query: DependantRequestListQuery) async throws -> DependantRequestPage {
        try await requests.list(plan: plan.slug, accountID: nil, query: query)
    }

    /// `decideDependantRequest`: approve (adding the dependant) or deny, once.
    func decideDependantRequest(plan: Plan, requestID: UUID, decision: DependantRequestDecision, event: NewAuditEvent) async throws -> DependantRequest {
        try await requests.decide(plan: plan, requestID: requestID, decision: decision.validated(), event: event)
    }
}

import Foundation
import Hummingbird

/// The member's family behind the login (issue #14): the dependants on the profile and coverage
/// pages, the patient of a claim, and the enrolment request form with its proof document. Each
/// form calls the `DependantOperations` operation of the same name as the JSON API's
/// (`submitDependantRequest`, `addDependantRequestDocument`), so the validation, the `late` flag,
/// the upload limits, the audit events and the e-mails are the same.
extension PortalController {
    // MARK: The family as the pages show it

    /// A person of the family for a page: name, relationship, coverage dates, whether covered today.
    func personView(_ person: Coverage.Person, scope: PortalScope, today: String = CalendarDate.today()) -> [String: Any] {
        var view: [String: Any] = [
            "patient": person.patient, "name": "\(person.firstName) \(person.lastName)",
            "relationship": PortalText.text("relationship_\(person.relationship?.rawValue ?? "self")", scope.language),
        ]
        // Every key set (false when absent): a section looks a missing key up in the page's own
        // data, where the member's coverage dates live.
        view["coverageStart"] = Self.orFalse(person.coverageStart)
        view["coverageEnd"] = Self.orFalse(person.coverageEnd)
        let covered = (person.coverageStart.map { $0 <= today } ?? false) && (person.coverageEnd.map { $0 >= today } ?? true)
        view["coveredText"] = PortalText.text(covered ? "family_covered_today" : "family_not_covered_today", scope.language)
        return view
    }

    /// The dependants (the member left out) with their use of each category, for the coverage page.
    func familyCoverage(_ mine: Coverage, scope: PortalScope) -> [[String: Any]] {
        mine.people.dropFirst().map { person in
            var view = personView(person, scope: scope)
            view["categories"] = person.categories.map { category -> [String: Any] in
                [
                    "name": category.name, "used": PortalFormat.money(category.usedCents, scope.language),
                    "remaining": Self.orFalse(category.remainingCents.map { PortalFormat.money($0, scope.language) }),
                    "familyMaximum": category.maximumScope == .family,
                ]
            }
            return view
        }
    }

    /// The family and enrolment requests on the profile page; `documentErrors` by request id.
    func familyProfile(scope: PortalScope, documentErrors: [String: String] = [:]) async throws -> [String: Any] {
        let session = try scope.requireSession()
        let mine = try await coverage.getMyCoverage(plan: scope.plan, session: session, language: scope.language)
        let family = mine.people.dropFirst().map { personView($0, scope: scope) }
        let query = try DependantRequestListQuery(status: nil, limit: "20", cursor: nil)
        let requests = try await dependants.listMyDependantRequests(plan: scope.plan, session: session, query: query).items
        let views = requests.map { request -> [String: Any] in
            let id = request.id.uuidString.lowercased()
            var view: [String: Any] = [
                "id": id, "name": "\(request.firstName) \(request.lastName)", "status": request.status.rawValue,
                "statusText": PortalText.text("enrolment_status_\(request.status.rawValue)", scope.language),
                "relationship": PortalText.text("relationship_\(request.relationship.rawValue)", scope.language),
                "eventDate": request.eventDate, "late": request.late, "createdAt": request.createdAt.portalDay,
                "documents": request.documents.map { document in
                    ["name": document.filename ?? document.contentType,
                     "href": "\(scope.base)/profile/dependants/requests/\(id)/documents/\(document.id.uuidString.lowercased())"]
                },
                "hasDocuments": !request.documents.isEmpty,
                "open": request.status == .submitted,
            ]
            view["reason"] = Self.orFalse(request.reason)
            view["error"] = Self.orFalse(documentErrors[id])
            return view
        }
        return [
            "family": family, "hasFamily": !family.isEmpty, "requests": views, "hasRequests": !views.isEmpty,
            "windowDays": scope.plan.enrolmentWindowDays,
        ]
    }

    /// Names of the claims' categories and patients in the member's language (from the coverage).
    func claimLabels(_ scope: PortalScope) async throws -> ClaimLabels {
        let mine = try await coverage.getMyCoverage(plan: scope.plan, session: try scope.requireSession(), language: scope.language)
        return ClaimLabels(
            categories: Dictionary(mine.categories.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first }),
            patients: Dictionary(mine.people.map { ($0.patient, "\($0.firstName) \($0.lastName)") }, uniquingKeysWith: { first, _ in first })
        )
    }

    // MARK: Enrolment request with its proof

    static let enrolmentFields = ["relationship", "lastName", "firstName", "dateOfBirth", "eventDate"]

    @Sendable func dependantRequestForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try await settingsPage(request, context) { dependantRequestPage(scope: $0, form: PortalFormState()) }
    }

    func dependantRequestPage(scope: PortalScope, form: PortalFormState) -> Response {
        let relationships = Relationship.allCases.map { relationship in
            [
                "code": relationship.rawValue, "label": PortalText.text("relationship_\(relationship.rawValue)", scope.language),
                "checked": form.values["relationship"] == relationship.rawValue,
            ] as [String: Any]
        }
        return renderer.page(
            "dependant-request", title: "enrolment_title", scope: scope,
            data: ["relationships": relationships, "today": Date().portalDay, "windowDays": scope.plan.enrolmentWindowDays], form: form
        )
    }

    /// The request, then its proof: the proof is checked before anything is written, so a refused
    /// form writes nothing. Made more than the plan's window after the event, it is flagged late
    /// (never refused for it) and the profile says so.
    @Sendable func submitDependantRequest(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        let session = try scope.requireSession()
        let form = try await form(request, context, scope: scope, files: true)
        var state = PortalFormState(values: form.fields.filter { Self.enrolmentFields.contains($0.key) })
        let relationship = Relationship(rawValue: form["relationship"])
        if relationship == nil { state.fail("relationship", Self.text("enrolment_relationship_required")) }
        let proof = form.files["proof"]
        state.check(upload: proof, field: "proof", missing: Self.text("enrolment_proof_required"))
        let input = DependantRequestSubmission(
            relationship: relationship ?? .other, lastName: form["lastName"], firstName: form["firstName"],
            dateOfBirth: form["dateOfBirth"], eventDate: form["eventDate"]
        )
        do {
            if state.hasErrors {
                // The operation's own rules too, so every broken rule is listed at once.
                do { _ = try input.validated(today: CalendarDate.today()) } catch let problem as Problem { state.show(problem) }
                state.status = .unprocessableContent
                return dependantRequestPage(scope: scope, form: state)
            }
            let created = try await dependants.submitDependantRequest(plan: scope.plan, session: session, input: input, facts: scope.facts)
            if let proof {
                do {
                    try await addDocument(proof, to: created.id, scope: scope)
                } catch let problem as Problem {
                    // The request is sent: the profile lists it, with the refusal next to its document field.
                    return try await documentRefused(problem, requestID: created.id, scope: scope)
                }
            }
            return renderer.redirect("\(scope.base)/profile?m=\(created.late ? "enrolment_late" : "enrolment")", scope: scope)
        } catch let problem as Problem {
            state.show(problem, fields: ["filename": "proof"])
            return dependantRequestPage(scope: scope, form: state)
        }
    }

    /// Another proof document on a request awaiting its decision (from the profile page).
    @Sendable func addDependantRequestDocument(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        guard let requestID = context.uuidParameter("requestId") else { throw Problem.dependantRequestNotFound }
        let form = try await form(request, context, scope: scope, files: true)
        var state = PortalFormState()
        let document = form.files["document"]
        state.check(upload: document, field: "document", missing: Self.text("enrolment_proof_required"))
        guard let refusal = state.errors.first else {
            do {
                if let document { try await addDocument(document, to: requestID, scope: scope) }
                return renderer.redirect("\(scope.base)/profile?m=document", scope: scope)
            } catch let problem as Problem where problem.code != Problem.dependantRequestNotFound.code {
                return try await documentRefused(problem, requestID: requestID, scope: scope)
            }
        }
        return try await documentRefused(Problem.validation([refusal]), requestID: requestID, scope: scope)
    }

    /// A proof document of one of the member's own requests, as a download
    /// (`getDependantRequestDocument`: another member's is not found).
    @Sendable func dependantRequestDocument(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        guard let requestID = context.uuidParameter("requestId"), let documentID = context.uuidParameter("documentId") else {
            throw Problem.attachmentNotFound
        }
        return Response(portalAttachment: try await dependants.getDependantRequestDocument(
            plan: scope.plan, session: try scope.requireSession(), requestID: requestID, documentID: documentID
        ))
    }

    /// `addDependantRequestDocument` with a document of a form read whole (its size known exactly).
    func addDocument(_ document: PortalForm.File, to requestID: UUID, scope: PortalScope) async throws {
        let bytes = document.bytes
        _ = try await dependants.addDependantRequestDocument(
            plan: scope.plan, session: try scope.requireSession(), requestID: requestID, filename: document.receiptFilename,
            declaredLength: bytes.readableBytes, facts: scope.facts
        ) { _ in bytes }
    }

    /// The profile with a refused document next to its request's document field (or, when the
    /// request no longer takes documents, in the error summary).
    func documentRefused(_ problem: Problem, requestID: UUID, scope: PortalScope) async throws -> Response {
        let id = requestID.uuidString.lowercased()
        var state = PortalFormState()
        var errors: [String: String] = [:]
        if problem.status == .conflict {
            state.show(problem)
        } else {
            let message = problem.errors.first?.message ?? problem.detail
            state.fail("document-\(id)", message)
            state.status = problem.status
            errors[id] = message(scope.language)
        }
        var page = try await profile(scope: scope, form: state, documentErrors: errors)
        if let retry = problem.headers[.retryAfter] { page.headers[.retryAfter] = retry }
        return page
    }

    /// A template value, or false so that its section is skipped.
    static func orFalse(_ value: String?) -> Any {
        value.map { $0 as Any } ?? false
    }

    static func text(_ key: String) -> LocalizedText {
        LocalizedText(fr: PortalText.text(key, .fr), en: PortalText.text(key, .en))
    }
}

/// What a claim's category and patient codes read as on the claims pages.
struct ClaimLabels {
    var categories: [String: String]
    var patients: [String: String]
}

extension PortalFormState {
    /// A receipt or proof document: required, PDF, JPEG or PNG by its first bytes, at most 10 MiB.
    mutating func check(upload: PortalForm.File?, field: String, missing: LocalizedText) {
        guard let upload else { return fail(field, missing) }
        if ReceiptType.sniff(upload.bytes.readableBytesView) == nil {
            fail(field, Problem.unsupportedAttachmentType.detail)
        } else if upload.bytes.readableBytes > ReceiptType.maxBytes {
            fail(field, Problem.attachmentTooLarge.detail)
        }
    }
}

extension PortalForm.File {
    /// The browser's file name when it is one we keep (else the document is stored without one).
    var receiptFilename: ReceiptFilename? { filename.flatMap { try? ReceiptFilename($0) } }
}

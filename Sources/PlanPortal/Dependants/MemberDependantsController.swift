import Foundation
import Hummingbird

/// Tag `member-dependants`: a member's family and enrolment requests as JSON. Each handler
/// decodes, calls one `DependantOperations` operation of the same name, encodes.
struct MemberDependantsController: Sendable {
    let dependants: DependantOperations
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<MemberRequestContext>) {
        group.get("me/dependants", use: listMyDependants)
        group.post("me/dependants/requests", use: submitDependantRequest)
        group.get("me/dependants/requests", use: listMyDependantRequests)
        group.post("me/dependants/requests/{requestId}/documents", use: addDependantRequestDocument)
        group.get("me/dependants/requests/{requestId}/documents/{documentId}", use: getDependantRequestDocument)
    }

    @Sendable func getDependantRequestDocument(_ request: Request, context: MemberRequestContext) async throws -> Response {
        guard let requestID = context.uuidParameter("requestId"), let documentID = context.uuidParameter("documentId") else {
            throw Problem.attachmentNotFound
        }
        return Response(attachment: try await dependants.getDependantRequestDocument(
            plan: context.plan, session: context.session, requestID: requestID, documentID: documentID
        ))
    }

    @Sendable func listMyDependants(_ request: Request, context: MemberRequestContext) async throws -> Response {
        try .json(try await dependants.listMyDependants(plan: context.plan, session: context.session), headers: [.cacheControl: "no-store"])
    }

    @Sendable func submitDependantRequest(_ request: Request, context: MemberRequestContext) async throws -> Response {
        var request = request
        let input = try await request.decodeJSON(DependantRequestSubmission.self, limit: maxBodyBytes)
        let created = try await dependants.submitDependantRequest(plan: context.plan, session: context.session, input: input, facts: context.facts(request))
        return try .json(created, status: .created, headers: [.cacheControl: "no-store"])
    }

    @Sendable func listMyDependantRequests(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let page = try await dependants.listMyDependantRequests(plan: context.plan, session: context.session, query: try DependantRequestListQuery(request.uri))
        return try .json(page, headers: [.cacheControl: "no-store"])
    }

    /// The document is the raw body (`?filename=` optional), as receipts are.
    @Sendable func addDependantRequestDocument(_ request: Request, context: MemberRequestContext) async throws -> Response {
        guard let requestID = context.uuidParameter("requestId") else { throw Problem.dependantRequestNotFound }
        let filename = try request.uri.queryParameters.get("filename").map(ReceiptFilename.init)
        var request = request
        let info = try await dependants.addDependantRequestDocument(
            plan: context.plan, session: context.session, requestID: requestID, filename: filename,
            declaredLength: request.headers[.contentLength].flatMap { Int($0) }, facts: context.facts(request)
        ) { limit in
            try await request.collectBody(upTo: limit, tooLarge: .attachmentTooLarge)
        }
        return try .json(info, status: .created)
    }
}

/// Tag `admin-dependants`: the dependants file and the TPA's enrolment request queue.
struct AdminDependantsController: Sendable {
    let dependants: AdminDependantOperations
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.put("roster/dependants", use: importDependantRoster)
        group.get("dependant-requests", use: listDependantRequests)
        group.post("dependant-requests/{requestId}/decision", use: decideDependantRequest)
        group.get("dependant-requests/{requestId}/documents/{documentId}", use: getPlanDependantRequestDocument)
    }

    @Sendable func getPlanDependantRequestDocument(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let requestID = context.uuidParameter("requestId"), let documentID = context.uuidParameter("documentId") else {
            throw Problem.attachmentNotFound
        }
        let document = try await dependants.getPlanDependantRequestDocument(
            plan: context.plan, requestID: requestID, documentID: documentID, event: context.auditEvent("dependant_request.document_viewed")
        )
        return Response(attachment: document)
    }

    /// `text/csv` body; all lines valid or nothing applied (422 `roster_invalid`).
    @Sendable func importDependantRoster(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let text = try await AdminRosterController.csvBody(request)
        let result = try await dependants.importDependantRoster(plan: context.plan, csv: text, event: context.auditEvent("roster.dependants_imported"))
        return try .json(result)
    }

    @Sendable func listDependantRequests(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let page = try await dependants.listDependantRequests(plan: context.plan, query: try DependantRequestListQuery(request.uri))
        return try .json(page, headers: [.cacheControl: "no-store"])
    }

    @Sendable func decideDependantRequest(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let requestID = context.uuidParameter("requestId") else { throw Problem.dependantRequestNotFound }
        var request = request
        let decision = try await request.decodeJSON(DependantRequestDecision.self, limit: maxBodyBytes)
        let decided = try await dependants.decideDependantRequest(
            plan: context.plan, requestID: requestID, decision: decision, event: context.auditEvent("dependant_request.decided")
        )
        return try .json(decided, headers: [.cacheControl: "no-store"])
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// Tag `member-claims`: a member's own claims and receipts. Another member's claim is 404, never 403.
public struct MemberClaimsController: MemberController {
    let deps: MemberDependencies

    public init(_ deps: MemberDependencies) {
        self.deps = deps
    }

    public func addRoutes(to group: RouterGroup<MemberRequestContext>) {
        group.post("me/claims", use: submitClaim)
        group.get("me/claims", use: listMyClaims)
        group.get("me/claims/{claimId}", use: getMyClaim)
        group.post("me/claims/{claimId}/attachments", use: addAttachment)
        group.get("me/claims/{claimId}/attachments/{attachmentId}", use: getAttachment)
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    /// `submitClaim`: idempotent on `Idempotency-Key` (24 h): the same key and body replay the first 201.
    @Sendable func submitClaim(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let plan = context.plan
        let accountID = context.session.accountID
        let key = try IdempotencyKey.parse(request.headers[Self.idempotencyKey])
        var request = request
        let submission = try await request.decodeJSON(ClaimSubmission.self, limit: maxBodyBytes)
        try submission.validateShape(today: CalendarDate.today())
        let body: String
        switch try await deps.claims.submit(plan: plan.slug, accountID: accountID, key: key, submission: submission, facts: context.facts(request)) {
        case .created(let text), .replayed(let text): body = text
        }
        return Response(
            status: .created,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }

    @Sendable func listMyClaims(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let plan = context.plan
        let accountID = context.session.accountID
        let query = try ClaimListQuery(request.uri)
        let page = try await deps.claims.list(plan: plan.slug, accountID: accountID, query: query)
        return try .json(ClaimPage(items: page.items.map(\.summary), nextCursor: page.nextCursor), headers: [.cacheControl: "no-store"])
    }

    @Sendable func getMyClaim(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let plan = context.plan
        let accountID = context.session.accountID
        guard let claimID = context.uuidParameter("claimId"),
              let detail = try await deps.claims.detail(plan: plan.slug, claimID: claimID, accountID: accountID)
        else { throw Problem.claimNotFound }
        return try .json(detail, headers: [.cacheControl: "no-store"])
    }

    /// `addClaimAttachment`: the receipt is the raw body; its type comes from its first bytes.
    @Sendable func addAttachment(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let plan = context.plan
        let accountID = context.session.accountID
        guard let claimID = context.uuidParameter("claimId") else { throw Problem.claimNotFound }
        let filename = try ReceiptType.filename(request.uri.queryParameters.get("filename"))
        var request = request
        let bytes = try await request.collectBody(upTo: ReceiptType.maxBytes, tooLarge: .attachmentTooLarge)
        guard let contentType = ReceiptType.sniff(bytes.readableBytesView) else { throw Problem.unsupportedAttachmentType }
        let info = try await deps.claims.addAttachment(
            plan: plan.slug, accountID: accountID, claimID: claimID, contentType: contentType, filename: filename, bytes: bytes,
            facts: context.facts(request)
        )
        return try .json(info, status: .created)
    }

    @Sendable func getAttachment(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let plan = context.plan
        let accountID = context.session.accountID
        guard let claimID = context.uuidParameter("claimId"), let attachmentID = context.uuidParameter("attachmentId"),
              let (contentType, filename, bytes) = try await deps.claims.attachment(
                  plan: plan.slug, accountID: accountID, claimID: claimID, attachmentID: attachmentID
              )
        else { throw Problem.attachmentNotFound }
        var headers: HTTPFields = [
            .contentType: contentType, .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
        ]
        // Only plain ASCII names go in the header; others are kept in the claim's detail.
        headers[.contentDisposition] = filename.flatMap { $0.allSatisfy(\.isASCII) ? "attachment; filename=\"\($0)\"" : nil } ?? "attachment"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }
}

extension ClaimListQuery {
    /// `status`, `limit` and `cursor` of a claim list's query string.
    init(_ uri: URI) throws {
        let query = uri.queryParameters
        try self.init(status: query.get("status"), limit: query.get("limit"), cursor: query.get("cursor"))
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}

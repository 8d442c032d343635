import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// Tag `member-claims`: a member's own claims and receipts as JSON. Each handler decodes, calls
/// one `MemberClaimOperations` operation of the same name, encodes.
struct MemberClaimsController: Sendable {
    let claims: MemberClaimOperations
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<MemberRequestContext>) {
        group.post("me/claims", use: submitClaim)
        group.get("me/claims", use: listMyClaims)
        group.get("me/claims/{claimId}", use: getMyClaim)
        group.post("me/claims/{claimId}/attachments", use: addClaimAttachment)
        group.get("me/claims/{claimId}/attachments/{attachmentId}", use: getClaimAttachment)
    }

    /// The same `Idempotency-Key` and body replay the first 201, byte for byte.
    @Sendable func submitClaim(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let key = try IdempotencyKey(request.headers[.idempotencyKey])
        var request = request
        let input = try await request.decodeJSON(ClaimSubmission.self, limit: maxBodyBytes)
        let submitted = try await claims.submitClaim(plan: context.plan, session: context.session, key: key, input: input, facts: context.facts(request))
        return Response(
            status: .created,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: submitted.json))
        )
    }

    @Sendable func listMyClaims(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let page = try await claims.listMyClaims(plan: context.plan, session: context.session, query: try ClaimListQuery(request.uri))
        return .json(writing: page, headers: [.cacheControl: "no-store"])
    }

    @Sendable func getMyClaim(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let detail = try await claims.getMyClaim(plan: context.plan, session: context.session, claimID: try Self.claimID(context))
        return try .json(detail, headers: [.cacheControl: "no-store"])
    }

    /// The receipt is the raw body (`?filename=` optional).
    @Sendable func addClaimAttachment(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let claimID = try Self.claimID(context)
        let filename = try request.uri.queryParameters.get("filename").map(ReceiptFilename.init)
        var request = request
        let info = try await claims.addClaimAttachment(
            plan: context.plan, session: context.session, claimID: claimID, filename: filename,
            declaredLength: request.headers[.contentLength].flatMap { Int($0) }, facts: context.facts(request)
        ) { limit in
            try await request.collectBody(upTo: limit, tooLarge: .attachmentTooLarge)
        }
        return try .json(info, status: .created)
    }

    @Sendable func getClaimAttachment(_ request: Request, context: MemberRequestContext) async throws -> Response {
        guard let claimID = context.uuidParameter("claimId"), let attachmentID = context.uuidParameter("attachmentId") else {
            throw Problem.attachmentNotFound
        }
        let attachment = try await claims.getClaimAttachment(plan: context.plan, session: context.session, claimID: claimID, attachmentID: attachmentID)
        return Response(attachment: attachment)
    }

    static func claimID(_ context: MemberRequestContext) throws -> UUID {
        guard let id = context.uuidParameter("claimId") else { throw Problem.claimNotFound }
        return id
    }
}

extension Response {
    /// A receipt's bytes as a download (`ClaimAttachment.headers`): the member's and the TPA's.
    init(attachment: ClaimAttachment) {
        self.init(status: .ok, headers: attachment.headers, body: .init(byteBuffer: attachment.bytes))
    }
}

extension KeysetQuery {
    /// `status`, `limit` and `cursor` of a list's query string.
    init(_ uri: URI) throws {
        let query = uri.queryParameters
        try self.init(status: query.get("status"), limit: query.get("limit"), cursor: query.get("cursor"))
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}

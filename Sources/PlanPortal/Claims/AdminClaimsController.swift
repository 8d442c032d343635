import Foundation
import Hummingbird

/// Tag `admin-claims`: the TPA's claim queue, decisions and status changes.
struct AdminClaimsController: Sendable {
    let claims: ClaimRepository
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.get("claims", use: listPlanClaims)
        group.get("claims/{claimId}", use: getPlanClaim)
        group.get("claims/{claimId}/attachments/{attachmentId}", use: getPlanClaimAttachment)
        group.post("claims/{claimId}/decision", use: decideClaim)
        group.post("claims/{claimId}/status", use: changeClaimStatus)
    }

    @Sendable func listPlanClaims(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let query = try ClaimListQuery(request.uri)
        return .json(writing: try await claims.list(plan: context.plan.slug, accountID: nil, query: query), headers: [.cacheControl: "no-store"])
    }

    /// One claim with its history and receipts (audited: `claim.viewed`, with the member).
    @Sendable func getPlanClaim(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let claimID = context.uuidParameter("claimId"),
              let detail = try await claims.detailForTPA(plan: context.plan.slug, claimID: claimID, event: context.auditEvent("claim.viewed"))
        else { throw Problem.claimNotFound }
        return try .json(detail, headers: [.cacheControl: "no-store"])
    }

    /// A receipt's bytes (audited: `claim.attachment_viewed`, with the member).
    @Sendable func getPlanClaimAttachment(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let claimID = context.uuidParameter("claimId"), let attachmentID = context.uuidParameter("attachmentId"),
              let attachment = try await claims.attachmentForTPA(
                  plan: context.plan.slug, claimID: claimID, attachmentID: attachmentID, event: context.auditEvent("claim.attachment_viewed")
              )
        else { throw Problem.attachmentNotFound }
        return Response(attachment: attachment)
    }

    @Sendable func decideClaim(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        var request = request
        let decision = try await request.decodeJSON(ClaimDecision.self, limit: maxBodyBytes)
        try decision.validate()
        return try await apply(.decision(decision), action: "claim.decided", context: context)
    }

    @Sendable func changeClaimStatus(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        var request = request
        let update = try await request.decodeJSON(ClaimStatusUpdate.self, limit: maxBodyBytes)
        try update.validate()
        return try await apply(.status(update.status, reason: update.reason), action: "claim.status_changed", context: context)
    }

    func apply(_ change: ClaimRepository.Change, action: String, context: AdminPlanRequestContext) async throws -> Response {
        guard let claimID = context.uuidParameter("claimId") else { throw Problem.claimNotFound }
        let detail = try await claims.transition(plan: context.plan, claimID: claimID, change: change, event: context.auditEvent(action))
        return try .json(detail, headers: [.cacheControl: "no-store"])
    }
}

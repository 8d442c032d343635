import Foundation
import Hummingbird

/// Tag `admin-webhooks`: a plan's webhook endpoints, their secrets and their deliveries.
struct AdminWebhooksController: Sendable {
    let webhooks: WebhookRepository
    let policy: OutboundPolicy
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.post("webhooks", use: createWebhook)
        group.get("webhooks", use: listWebhooks)
        group.get("webhooks/{webhookId}", use: getWebhook)
        group.patch("webhooks/{webhookId}", use: updateWebhook)
        group.delete("webhooks/{webhookId}", use: deleteWebhook)
        group.post("webhooks/{webhookId}/rotate-secret", use: rotateWebhookSecret)
        group.get("webhooks/{webhookId}/deliveries", use: listWebhookDeliveries)
        group.post("webhooks/{webhookId}/deliveries/{deliveryId}/replay", use: replayWebhookDelivery)
    }

    static let noStore: HTTPFields = [.cacheControl: "no-store"]

    /// `createWebhook`: the secret is in this answer only.
    @Sendable func createWebhook(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        var request = request
        let input = try await request.decodeJSON(WebhookCreate.self, limit: maxBodyBytes).validated(policy: policy)
        let slug = context.plan.slug
        let created = try await webhooks.create(
            plan: slug, url: input.url, events: input.events, description: input.description, enabled: input.enabled,
            audit: context.auditEvent("webhook.created")
        )
        var headers = Self.noStore
        headers[.location] = "/v1/admin/plans/\(slug)/webhooks/\(created.webhook.id.uuidString.lowercased())"
        return try .json(created, status: .created, headers: headers)
    }

    @Sendable func listWebhooks(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        try .json(WebhookList(items: try await webhooks.list(plan: context.plan.slug)), headers: Self.noStore)
    }

    @Sendable func getWebhook(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let id = context.uuidParameter("webhookId"), let webhook = try await webhooks.find(plan: context.plan.slug, id: id) else {
            throw Problem.webhookNotFound
        }
        return try .json(webhook, headers: Self.noStore)
    }

    @Sendable func updateWebhook(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let id = context.uuidParameter("webhookId") else { throw Problem.webhookNotFound }
        var request = request
        let patch = try await request.decodeJSON(WebhookPatch.self, limit: maxBodyBytes)
        let changes = try patch.validated(policy: policy)
        let event = context.auditEvent("webhook.updated", details: .init(fields: patch.fieldNames, outcome: id.uuidString.lowercased()))
        return try .json(try await webhooks.update(plan: context.plan.slug, id: id, changes: changes, audit: event), headers: Self.noStore)
    }

    @Sendable func deleteWebhook(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let id = context.uuidParameter("webhookId") else { throw Problem.webhookNotFound }
        try await webhooks.delete(plan: context.plan.slug, id: id, audit: context.auditEvent("webhook.deleted"))
        return Response(status: .noContent, headers: Self.noStore)
    }

    /// `rotateWebhookSecret`: the new secret is in this answer only; the old one signs for 24 h more.
    @Sendable func rotateWebhookSecret(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let id = context.uuidParameter("webhookId") else { throw Problem.webhookNotFound }
        let event = context.auditEvent("webhook.secret_rotated", details: .init(outcome: id.uuidString.lowercased()))
        return try .json(try await webhooks.rotateSecret(plan: context.plan.slug, id: id, audit: event), headers: Self.noStore)
    }

    @Sendable func listWebhookDeliveries(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let (limit, before) = try request.uri.pageQuery()
        var status: WebhookDeliveryStatus?
        if let raw = request.uri.queryParameters.get("status") {
            guard let parsed = WebhookDeliveryStatus(rawValue: raw) else {
                throw Problem.validation([.init(
                    field: "status", rule: "enum",
                    message: .init(fr: "pending, retrying, succeeded ou dead.", en: "pending, retrying, succeeded or dead.")
                )])
            }
            status = parsed
        }
        guard let id = context.uuidParameter("webhookId") else { throw Problem.webhookNotFound }
        let page = try await webhooks.deliveries(plan: context.plan.slug, endpoint: id, status: status, limit: limit, before: before)
        return try .json(page, headers: Self.noStore)
    }

    /// `replayWebhookDelivery`: the event again, as a new delivery with the same `webhook-id`.
    @Sendable func replayWebhookDelivery(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        guard let id = context.uuidParameter("webhookId") else { throw Problem.webhookNotFound }
        guard let delivery = context.uuidParameter("deliveryId") else {
            guard try await webhooks.find(plan: context.plan.slug, id: id) != nil else { throw Problem.webhookNotFound }
            throw Problem.webhookDeliveryNotFound
        }
        let replayed = try await webhooks.replay(
            plan: context.plan.slug, endpoint: id, delivery: delivery, audit: context.auditEvent("webhook.delivery_replayed")
        )
        return try .json(replayed, status: .accepted, headers: Self.noStore)
    }
}

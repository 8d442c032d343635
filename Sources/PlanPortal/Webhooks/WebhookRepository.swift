import Foundation
import Logging
import PostgresNIO

/// A plan's webhook endpoints (`control.webhook_endpoints`) and their deliveries, as the admin
/// API manages them. Secrets are sealed with `SecretBox` before they reach PostgreSQL; every
/// change is audited in the plan's trail in the same transaction.
public struct WebhookRepository: Sendable {
    /// Endpoints one plan may have.
    static let maxEndpointsPerPlan = 20
    /// After a rotation the previous secret signs too for this long.
    static let previousSecretLifetime: Duration = .seconds(24 * 3600)

    let client: Database
    let outbox: WebhookOutbox
    let secrets: SecretBox
    let audit: AuditRepository
    let logger: Logger

    /// What a sealed secret of this endpoint is bound to: a value copied to another endpoint or
    /// plan does not open.
    static func secretContext(plan: String, endpoint: UUID) -> String {
        "\(plan)/webhooks/\(endpoint.uuidString.lowercased())"
    }

    static let columns = "id, url, description, events, enabled, created_at, updated_at, CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END"

    static func webhook(_ row: PostgresRow) throws -> Webhook {
        let (id, url, description, events, enabled, created, updated, previousExpires)
            = try row.decode((UUID, String, String?, [String], Bool, Date, Date, Date?).self)
        return Webhook(
            id: id, url: url, description: description, events: events.compactMap(WebhookEventType.init(rawValue:)), enabled: enabled,
            createdAt: created, updatedAt: updated, previousSecretExpiresAt: previousExpires
        )
    }

    // MARK: Endpoints

    func create(plan: PlanSlug, url: String, events: [WebhookEventType], description: String?, enabled: Bool, audit event: NewAuditEvent) async throws -> WebhookCreated {
        let id = UUID()
        let secret = WebhookSignature.newSecret()
        let sealed = try secrets.seal(secret, context: Self.secretContext(plan: plan.value, endpoint: id))
        return try await client.transaction(logger: logger) { tx in
            // Concurrent creations for one plan take turns, so the cap holds.
            try await tx.query("SELECT pg_advisory_xact_lock(hashtextextended(\("webhooks:" + plan.value), 0))", logger: logger)
            let count = try await tx.query("SELECT count(*)::int FROM control.webhook_endpoints WHERE plan_slug = \(plan.value)", logger: logger)
            guard try await count.decode(Int.self).one() ?? 0 < Self.maxEndpointsPerPlan else { throw Problem.webhookLimitReached }
            let rows = try await tx.query(
                """
                INSERT INTO control.webhook_endpoints (id, plan_slug, url, description, events, enabled, secret)
                VALUES (\(id), \(plan.value), \(url), \(description), \(events.map(\.rawValue)), \(enabled), \(sealed))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            guard let webhook = try await rows.one().map(Self.webhook) else { throw Problem.internalError }
            var event = event
            event.details.outcome = id.uuidString.lowercased()
            try await audit.append(event, plan: plan, on: tx)
            return WebhookCreated(webhook: webhook, secret: secret)
        }
    }

    func list(plan: PlanSlug) async throws -> [Webhook] {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM control.webhook_endpoints WHERE plan_slug = \(plan.value) ORDER BY created_at, id",
            logger: logger
        )
        var items: [Webhook] = []
        for try await row in rows { items.append(try Self.webhook(row)) }
        return items
    }

    func find(plan: PlanSlug, id: UUID) async throws -> Webhook? {
        try await client.query(Self.findQuery(plan: plan, id: id), logger: logger).one().map(Self.webhook)
    }

    /// `find`'s statement, also run inside transactions on their own connection (a second lease
    /// while holding one can deadlock the pool).
    static func findQuery(plan: PlanSlug, id: UUID) -> PostgresQuery {
        "SELECT \(unescaped: columns) FROM control.webhook_endpoints WHERE plan_slug = \(plan.value) AND id = \(id)"
    }

    /// Applies a merge patch. Disabling an endpoint also gives up its pending deliveries (dead,
    /// `endpoint_disabled`); they can be replayed once it is enabled again.
    func update(plan: PlanSlug, id: UUID, changes: WebhookPatch.Changes, audit event: NewAuditEvent) async throws -> Webhook {
        try await client.transaction(logger: logger) { tx in
            let current = try await tx.query(
                "SELECT description FROM control.webhook_endpoints WHERE plan_slug = \(plan.value) AND id = \(id) FOR UPDATE", logger: logger
            )
            guard let stored = try await current.decode(String?.self).one() else { throw Problem.webhookNotFound }
            var description = stored
            changes.description.apply(to: &description)
            let rows = try await tx.query(
                """
                UPDATE control.webhook_endpoints
                SET url = coalesce(\(changes.url), url), events = coalesce(\(changes.events?.map(\.rawValue)), events),
                    description = \(description), enabled = coalesce(\(changes.enabled), enabled), updated_at = now()
                WHERE id = \(id)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            guard let webhook = try await rows.one().map(Self.webhook) else { throw Problem.webhookNotFound }
            if changes.enabled == false {
                try await tx.query(
                    """
                    UPDATE control.webhook_deliveries SET status = 'dead', finished_at = now(), last_error = 'endpoint_disabled'
                    WHERE endpoint_id = \(id) AND status = 'pending'
                    """,
                    logger: logger
                )
            }
            try await audit.append(event, plan: plan, on: tx)
            return webhook
        }
    }

    /// Deletes the endpoint with its deliveries (and the events no other delivery needs).
    func delete(plan: PlanSlug, id: UUID, audit event: NewAuditEvent) async throws {
        try await client.transaction(logger: logger) { tx in
            let found = try await tx.query(
                "SELECT 1 FROM control.webhook_endpoints WHERE plan_slug = \(plan.value) AND id = \(id) FOR UPDATE", logger: logger
            )
            guard try await found.exists else { throw Problem.webhookNotFound }
            let rows = try await tx.query("DELETE FROM control.webhook_deliveries WHERE endpoint_id = \(id) RETURNING event_id", logger: logger)
            var events: [UUID] = []
            for try await event in rows.decode(UUID.self) { events.append(event) }
            try await tx.query("DELETE FROM control.webhook_endpoints WHERE id = \(id)", logger: logger)
            try await outbox.deleteUnreferencedEvents(plan: plan, among: events, on: tx)
            var event = event
            event.details.outcome = id.uuidString.lowercased()
            try await audit.append(event, plan: plan, on: tx)
        }
    }

    /// A new secret; the current one becomes the previous one and signs too for 24 hours (a
    /// secret rotated before that is dropped).
    func rotateSecret(plan: PlanSlug, id: UUID, audit event: NewAuditEvent) async throws -> WebhookSecretRotated {
        let secret = WebhookSignature.newSecret()
        let sealed = try secrets.seal(secret, context: Self.secretContext(plan: plan.value, endpoint: id))
        return try await client.transaction(logger: logger) { tx in
            let rows = try await tx.query(
                """
                UPDATE control.webhook_endpoints
                SET previous_secret = secret, secret = \(sealed), updated_at = now(),
                    previous_secret_expires_at = now() + make_interval(secs => \(Int(Self.previousSecretLifetime.components.seconds)))
                WHERE plan_slug = \(plan.value) AND id = \(id)
                RETURNING previous_secret_expires_at
                """,
                logger: logger
            )
            guard let expires = try await rows.decode(Date.self).one() else { throw Problem.webhookNotFound }
            try await audit.append(event, plan: plan, on: tx)
            return WebhookSecretRotated(secret: secret, previousSecretExpiresAt: expires)
        }
    }

    // MARK: Deliveries

    static let deliveryColumns = """
        seq, id, event_id, event_type, status, attempts, created_at, next_attempt_at, last_attempt_at, last_response_code,
        last_error, replay_of
        """

    static func delivery(_ row: PostgresRow) throws -> (seq: Int64, delivery: WebhookDelivery) {
        let (seq, id, event, type, stored, attempts, created, next, last, code, error, replayOf)
            = try row.decode((Int64, UUID, UUID, WebhookEventType, String, Int, Date, Date, Date?, Int?, String?, UUID?).self)
        let status: WebhookDeliveryStatus = switch stored {
        case "succeeded": .succeeded
        case "dead": .dead
        default: attempts == 0 ? .pending : .retrying
        }
        let delivery = WebhookDelivery(
            id: id, eventId: event, eventType: type, status: status, attempts: attempts, createdAt: created,
            nextAttemptAt: stored == "pending" ? next : nil, lastAttemptAt: last, lastResponseCode: code, lastError: error,
            replayOf: replayOf?.uuidString.lowercased()
        )
        return (seq, delivery)
    }

    /// Newest first by keyset; 404 when the endpoint is not the plan's.
    func deliveries(plan: PlanSlug, endpoint: UUID, status: WebhookDeliveryStatus?, limit: Int, before: Int64?) async throws -> WebhookDeliveryPage {
        guard try await find(plan: plan, id: endpoint) != nil else { throw Problem.webhookNotFound }
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM control.webhook_deliveries
            WHERE endpoint_id = \(endpoint) AND seq < \(before ?? Int64.max)
              AND (\(status == nil) OR CASE WHEN status <> 'pending' THEN status WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END
                                        = \(status?.rawValue ?? ""))
            ORDER BY seq DESC
            LIMIT \(limit + 1)
            """,
            logger: logger
        )
        var found: [(seq: Int64, delivery: WebhookDelivery)] = []
        for try await row in rows { found.append(try Self.delivery(row)) }
        let page = found.prefix(limit)
        return WebhookDeliveryPage(
            items: page.map(\.delivery), nextCursor: found.count > limit ? page.last.map { Cursor.encode($0.seq) } : nil
        )
    }

    /// Queues the delivery's event again for its endpoint (same `webhook-id`), as a new delivery.
    func replay(plan: PlanSlug, endpoint: UUID, delivery: UUID, audit event: NewAuditEvent) async throws -> WebhookDelivery {
        try await client.transaction(logger: logger) { tx in
            let found = try await tx.query(
                """
                SELECT d.status, e.enabled FROM control.webhook_deliveries d JOIN control.webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.id = \(delivery) AND d.endpoint_id = \(endpoint) AND e.plan_slug = \(plan.value)
                FOR SHARE OF e
                """,
                logger: logger
            )
            guard let (status, enabled) = try await found.decode((String, Bool).self).one() else {
                guard try await tx.query(Self.findQuery(plan: plan, id: endpoint), logger: logger).exists else { throw Problem.webhookNotFound }
                throw Problem.webhookDeliveryNotFound
            }
            guard status != "pending" else { throw Problem.webhookDeliveryPending }
            guard enabled else { throw Problem.webhookDisabled }
            let rows = try await tx.query(
                """
                INSERT INTO control.webhook_deliveries (plan_slug, endpoint_id, event_id, event_type, replay_of)
                SELECT plan_slug, endpoint_id, event_id, event_type, id FROM control.webhook_deliveries WHERE id = \(delivery)
                RETURNING \(unescaped: Self.deliveryColumns)
                """,
                logger: logger
            )
            guard let replayed = try await rows.one().map(Self.delivery) else { throw Problem.internalError }
            var event = event
            event.details.outcome = replayed.delivery.eventType.rawValue
            try await audit.append(event, plan: plan, on: tx)
            return replayed.delivery
        }
    }
}

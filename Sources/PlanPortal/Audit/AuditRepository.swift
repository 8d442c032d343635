import Foundation
import Logging
import PostgresNIO

/// Reads and appends the audit trail kept in each plan's schema.
public struct AuditRepository: Sendable {
    let client: Database
    let logger: Logger

    public init(client: Database, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Appends inside the caller's transaction, so the event exists exactly when the change does.
    public func append(_ event: NewAuditEvent, plan: PlanSlug, on connection: PostgresConnection) async throws {
        let details = event.details.jsonText
        try await connection.query(
            """
            INSERT INTO \(schema: plan).audit_events (action, actor_type, actor_id, request_id, ip, details)
            VALUES (\(event.action), \(event.actor.type), \(event.actor.id), \(event.requestID), \(event.ip)::inet, \(details)::jsonb)
            """,
            logger: logger
        )
    }

    /// Appends on its own: for events that record a refusal, where there is no change to go with.
    public func append(_ event: NewAuditEvent, plan: PlanSlug) async throws {
        try await client.withConnection { connection in try await append(event, plan: plan, on: connection) }
    }

    /// Newest first; `before` is the id to continue below (exclusive).
    public func list(plan: PlanSlug, limit: Int, before: Int64?) async throws -> AuditEventPage {
        let rows = try await client.query(
            """
            SELECT id, occurred_at, action, actor_type, actor_id, request_id, details::text
            FROM \(schema: plan).audit_events
            WHERE id < \(before ?? Int64.max)
            ORDER BY id DESC
            LIMIT \(limit + 1)
            """,
            logger: logger
        )
        var items: [AuditEvent] = []
        let decoder = JSONDecoder()
        for try await (id, at, action, actorType, actorID, requestID, details)
            in rows.decode((Int64, Date, String, String, String?, String?, String).self)
        {
            items.append(AuditEvent(
                id: id, occurredAt: at, action: action, actorType: actorType, actorId: actorID, requestId: requestID,
                details: try decoder.decode(AuditDetails.self, from: Data(details.utf8))
            ))
        }
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map { Cursor.encode($0.id) }
        }
        return AuditEventPage(items: items, nextCursor: next)
    }
}

import Foundation
import Logging
import PostgresNIO

/// The webhook outbox: an event is written in the transaction of the change that caused it, one
/// delivery per subscribed endpoint (`control.webhook_deliveries`), and any replica's
/// `WebhookDeliveryService` claims due deliveries row by row.
public struct WebhookOutbox: Sendable {
    let client: Database
    let audit: AuditRepository
    let logger: Logger

    public init(client: Database, audit: AuditRepository, logger: Logger) {
        self.client = client
        self.audit = audit
        self.logger = logger
    }

    /// Queues `event` for every enabled endpoint of `plan` subscribed to its type, inside the
    /// caller's transaction: the deliveries exist exactly when the change does. Nothing is
    /// written when no endpoint wants it.
    public func enqueue(_ event: WebhookEvent, plan: PlanSlug, on tx: PostgresConnection) async throws {
        let rows = try await tx.query(
            """
            SELECT id FROM control.webhook_endpoints
            WHERE plan_slug = \(plan.value) AND enabled AND \(event.type.rawValue) = ANY(events)
            """,
            logger: logger
        )
        var endpoints: [UUID] = []
        for try await id in rows.decode(UUID.self) { endpoints.append(id) }
        guard !endpoints.isEmpty else { return }
        let body = try event.body(plan: plan)
        try await tx.query(
            """
            INSERT INTO \(schema: plan).webhook_events (id, type, occurred_at, body)
            VALUES (\(event.id), \(event.type.rawValue), \(event.occurredAt), \(body))
            """,
            logger: logger
        )
        try await tx.query(
            """
            INSERT INTO control.webhook_deliveries (plan_slug, endpoint_id, event_id, event_type)
            SELECT \(plan.value), endpoint, \(event.id), \(event.type.rawValue) FROM unnest(\(endpoints)::uuid[]) AS endpoint
            """,
            logger: logger
        )
    }

    // MARK: Delivery (WebhookDeliveryService)

    /// A delivery is tried for this long after its event, then dead.
    static let lifetime: Duration = .seconds(3 * 24 * 3600)
    /// A claim holds a delivery this long: a replica that dies mid-attempt leaves it to another then.
    static let lease: Duration = .seconds(60)

    /// Seconds to wait after the `attempts`-th failed attempt: 5 s, 30 s, 2 min, 10 min, 1 h,
    /// then every 4 hours until the 3 days are over.
    static func retryDelay(afterAttempt attempts: Int) -> Int {
        let schedule = [5, 30, 120, 600, 3600]
        return attempts >= 1 && attempts <= schedule.count ? schedule[attempts - 1] : 4 * 3600
    }

    /// A claimed delivery: where it goes, with the endpoint's sealed secrets.
    struct Claimed: Sendable {
        var seq: Int64
        var id: UUID
        var plan: String
        var endpointID: UUID
        var eventID: UUID
        var eventType: String
        /// Attempts including this one.
        var attempts: Int
        /// Older than `lifetime`: given up without another attempt.
        var expired: Bool
        var enabled: Bool
        var url: String
        /// The current secret, then the previous one while it still signs (both sealed).
        var sealedSecrets: [String]
    }

    /// What this replica has in flight (limits the claim to what it may still start).
    struct InFlight: Sendable {
        var endpoints: [UUID: Int] = [:]
        var plans: [String: Int] = [:]
        var total: Int { endpoints.values.reduce(0, +) }
    }

    /// Per replica: at most `perEndpoint` attempts at once to one endpoint and `perPlan` to one
    /// plan's endpoints, so one slow or dead endpoint (or plan) holds a bounded share of the
    /// `concurrency` slots and other plans keep theirs.
    public struct Limits: Sendable {
        public var concurrency: Int
        public var perPlan: Int
        public var perEndpoint: Int

        public init(concurrency: Int = 32, perPlan: Int = 16, perEndpoint: Int = 8) {
            self.concurrency = concurrency
            self.perPlan = perPlan
            self.perEndpoint = perEndpoint
        }
    }

    /// Claims up to `limit` due deliveries (`control.webhook_claim_due`, sql/control/0011): from
    /// each endpoint its oldest due ones (up to its free share), round-robin over plans (each
    /// plan's first before any plan's second), locked with `FOR UPDATE SKIP LOCKED` and leased by
    /// pushing `next_attempt_at` ahead, so two replicas never claim the same row while the lease runs.
    func claimDue(limit: Int, limits: Limits, inFlight: InFlight, plans: [String]?, replica: String) async throws -> [Claimed] {
        let busyEndpoints = Array(inFlight.endpoints.keys)
        let busyPlans = Array(inFlight.plans.keys)
        let rows = try await client.query(
            """
            SELECT * FROM control.webhook_claim_due(
                \(busyEndpoints)::uuid[], \(busyEndpoints.map { inFlight.endpoints[$0] ?? 0 })::int[],
                \(busyPlans)::text[], \(busyPlans.map { inFlight.plans[$0] ?? 0 })::int[],
                \(limits.perEndpoint), \(limits.perPlan), \(limit), \(plans)::text[], \(replica),
                \(Int64(Self.lease.components.seconds)), \(Int64(Self.lifetime.components.seconds))
            )
            """,
            logger: logger
        )
        var claimed: [Claimed] = []
        for try await (seq, id, plan, endpoint, event, type, attempts, expired, enabled, url, secret, previous)
            in rows.decode((Int64, UUID, String, UUID, UUID, String, Int, Bool, Bool, String, String, String?).self)
        {
            claimed.append(Claimed(
                seq: seq, id: id, plan: plan, endpointID: endpoint, eventID: event, eventType: type, attempts: attempts, expired: expired,
                enabled: enabled, url: url, sealedSecrets: [secret] + (previous.map { [$0] } ?? [])
            ))
        }
        return claimed
    }

    /// The bodies of `events` of one plan (absent when the event is gone).
    func bodies(plan: PlanSlug, events: [UUID]) async throws -> [UUID: String] {
        let rows = try await client.query(
            "SELECT id, body FROM \(schema: plan).webhook_events WHERE id = ANY(\(events)::uuid[])", logger: logger
        )
        var bodies: [UUID: String] = [:]
        for try await (id, body) in rows.decode((UUID, String).self) { bodies[id] = body }
        return bodies
    }

    func markSucceeded(_ item: Claimed, status: Int) async throws {
        try await client.query(
            """
            UPDATE control.webhook_deliveries
            SET status = 'succeeded', finished_at = now(), last_attempt_at = now(), last_response_code = \(status), last_error = NULL
            WHERE seq = \(item.seq) AND status = 'pending'
            """,
            logger: logger
        )
    }

    /// Schedules the next attempt, or gives up when it would fall after the 3 days (or `dead` is
    /// set); returns true when the delivery is now dead (then audited in its plan).
    @discardableResult
    func markFailed(_ item: Claimed, status: Int?, error: String, dead: Bool = false) async throws -> Bool {
        let delay = Self.retryDelay(afterAttempt: item.attempts)
        return try await client.withTransaction(logger: logger) { tx in
            let rows = try await tx.query(
                """
                UPDATE control.webhook_deliveries
                SET last_attempt_at = now(), last_response_code = \(status), last_error = \(String(error.prefix(200))),
                    next_attempt_at = now() + make_interval(secs => \(delay)),
                    status = CASE WHEN \(dead) OR created_at + make_interval(secs => \(Int(Self.lifetime.components.seconds)))
                                                   < now() + make_interval(secs => \(delay))
                                  THEN 'dead' ELSE 'pending' END,
                    finished_at = CASE WHEN \(dead) OR created_at + make_interval(secs => \(Int(Self.lifetime.components.seconds)))
                                                       < now() + make_interval(secs => \(delay))
                                       THEN now() END
                WHERE seq = \(item.seq) AND status = 'pending' AND attempts = \(item.attempts)
                RETURNING status = 'dead'
                """,
                logger: logger
            )
            guard try await rows.decode(Bool.self).one() == true else { return false }
            if let slug = PlanSlug(item.plan) {
                try await audit.append(
                    NewAuditEvent(action: "webhook.delivery_dead", actor: .system, details: .init(outcome: item.eventType)), plan: slug, on: tx
                )
            }
            return true
        }
    }

    /// The due deliveries of every plan and how long the oldest has waited past its time
    /// (`planportal_webhook_queue_*`).
    func queueStats() async throws -> (due: Int, oldestSeconds: Double) {
        let rows = try await client.query(
            """
            SELECT count(*)::int, coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0)::float8
            FROM control.webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
            """,
            logger: logger
        )
        return try await rows.decode((Int, Double).self).one() ?? (0, 0)
    }

    /// Finished deliveries are kept this long for `listWebhookDeliveries` and replays.
    static let retention: Duration = .seconds(30 * 24 * 3600)

    /// Forgets finished deliveries older than `retention` (and their events once no delivery
    /// refers to them), a batch at a time; returns how many deliveries went.
    @discardableResult
    func purge(batch: Int = 1000) async throws -> Int {
        try await client.withTransaction(logger: logger) { tx in
            let rows = try await tx.query(
                """
                DELETE FROM control.webhook_deliveries WHERE seq IN (
                    SELECT seq FROM control.webhook_deliveries
                    WHERE status <> 'pending' AND finished_at < now() - make_interval(secs => \(Int(Self.retention.components.seconds)))
                    LIMIT \(batch)
                )
                RETURNING plan_slug, event_id
                """,
                logger: logger
            )
            var events: [String: [UUID]] = [:]
            var count = 0
            for try await (plan, event) in rows.decode((String, UUID).self) {
                events[plan, default: []].append(event)
                count += 1
            }
            for (plan, ids) in events {
                guard let slug = PlanSlug(plan) else { continue }
                try await deleteUnreferencedEvents(plan: slug, among: ids, on: tx)
            }
            return count
        }
    }

    /// Deletes those of `events` that no delivery refers to any more.
    func deleteUnreferencedEvents(plan: PlanSlug, among events: [UUID], on tx: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        let rows = try await tx.query(
            "SELECT DISTINCT event_id FROM control.webhook_deliveries WHERE event_id = ANY(\(events)::uuid[])", logger: logger
        )
        var kept = Set<UUID>()
        for try await id in rows.decode(UUID.self) { kept.insert(id) }
        let gone = Array(Set(events).subtracting(kept))
        guard !gone.isEmpty else { return }
        try await tx.query("DELETE FROM \(schema: plan).webhook_events WHERE id = ANY(\(gone)::uuid[])", logger: logger)
    }
}

import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// The transactional outbox in `control.outbox`.
public struct Outbox: Sendable {
    let client: Database
    let audit: AuditRepository
    let logger: Logger

    public init(client: Database, audit: AuditRepository, logger: Logger) {
        self.client = client
        self.audit = audit
        self.logger = logger
    }

    /// Queues `message` inside the caller's transaction: it exists exactly when the change does.
    public func enqueue(_ message: MailMessage, kind: String, plan: PlanSlug, on tx: PostgresConnection) async throws {
        try await tx.query(
            """
            INSERT INTO control.outbox (plan_slug, kind, to_address, subject, body_text, body_html)
            VALUES (\(plan.value), \(kind), \(message.to), \(message.subject), \(message.text), \(message.html))
            """,
            logger: logger
        )
    }

    /// A message still unsent after this long, or after this many attempts, is dead-lettered.
    static let deadAfterAttempts = 20
    static let deadAfterHours = 24
    /// How long a claimed message is left to its replica before another may claim it.
    static let lease: Duration = .seconds(120)

    struct Claimed: Sendable {
        var id: Int64
        var plan: String
        var kind: String
        var message: MailMessage
        var attempts: Int
        /// Older than `deadAfterHours`: not sent any more.
        var expired: Bool
    }

    /// Claims up to `limit` due messages for this replica (`control.outbox_claim_due`,
    /// sql/control/0012): the lease (next_attempt_at pushed two minutes ahead) is taken under
    /// `FOR UPDATE SKIP LOCKED`, so two replicas never claim the same row.
    func claimDue(limit: Int, plans: [String]?) async throws -> [Claimed] {
        let rows = try await client.query(
            """
            SELECT * FROM control.outbox_claim_due(
                \(limit), \(plans)::text[], \(Int64(Self.lease.components.seconds)), \(Int64(Self.deadAfterHours) * 3600)
            )
            """,
            logger: logger
        )
        var claimed: [Claimed] = []
        for try await (id, plan, kind, to, subject, text, html, attempts, expired)
            in rows.decode((Int64, String, String, String?, String, String?, String?, Int, Bool).self)
        {
            claimed.append(Claimed(
                id: id, plan: plan, kind: kind, message: MailMessage(to: to ?? "", subject: subject, text: text ?? "", html: html ?? ""),
                attempts: attempts, expired: expired || to == nil || text == nil || html == nil
            ))
        }
        return claimed
    }

    /// Marks a message sent, forgets its address and bodies, and audits it in its plan.
    func markSent(_ item: Claimed) async throws {
        try await client.withTransaction(logger: logger) { tx in
            try await tx.query(
                """
                UPDATE control.outbox SET sent_at = now(), to_address = NULL, body_text = NULL, body_html = NULL, last_error = NULL
                WHERE id = \(item.id)
                """,
                logger: logger
            )
            if let slug = PlanSlug(item.plan) {
                try await audit.append(
                    NewAuditEvent(action: "email.sent", actor: .system, details: .init(outcome: item.kind)), plan: slug, on: tx
                )
            }
        }
    }

    /// Gives up on a message: keeps its kind, subject, dates and the reason, forgets the address
    /// and the bodies, and audits it in its plan.
    func markDead(_ item: Claimed, reason: String) async throws {
        try await client.withTransaction(logger: logger) { tx in
            try await tx.query(
                """
                UPDATE control.outbox SET dead_at = now(), to_address = NULL, body_text = NULL, body_html = NULL,
                    last_error = \(String(reason.prefix(300)))
                WHERE id = \(item.id)
                """,
                logger: logger
            )
            if let slug = PlanSlug(item.plan) {
                try await AuditRepository(client: client, logger: logger).append(
                    NewAuditEvent(action: "email.dead", actor: .system, details: .init(outcome: item.kind)), plan: slug, on: tx
                )
            }
        }
    }

    /// Schedules another try with exponential back-off (10 s, 20 s, … at most 1 hour).
    func markFailed(_ item: Claimed, error: String) async throws {
        let delay = min(3600, 10 * (1 << min(item.attempts - 1, 9)))
        try await client.query(
            """
            UPDATE control.outbox SET next_attempt_at = now() + make_interval(secs => \(delay)), last_error = \(String(error.prefix(300)))
            WHERE id = \(item.id)
            """,
            logger: logger
        )
    }
}

/// Sends what the outbox holds, in the application's service group. Every replica runs one;
/// claiming row by row keeps them from sending the same message twice.
public struct OutboxDeliveryService: Service {
    let outbox: Outbox
    let transport: any MailTransport
    let logger: Logger
    let pollInterval: Duration
    /// Only these plans' messages (tests); nil in production.
    let plans: [String]?
    /// Where `planportal_outbox_dead_total` is counted.
    let metrics: any MetricsFactory

    public init(
        outbox: Outbox, transport: any MailTransport, logger: Logger, pollInterval: Duration = .milliseconds(500), plans: [String]? = nil,
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.outbox = outbox
        self.transport = transport
        self.logger = logger
        self.pollInterval = pollInterval
        self.plans = plans
        self.metrics = metrics
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let sent: Int
                do {
                    sent = try await deliverDue()
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("outbox poll failed", metadata: ["error": "\(SafeError.describe(error))"])
                    sent = 0
                }
                // Cancelled by a graceful shutdown: the loop ends, without an error.
                if sent == 0 { try? await Task.sleep(for: pollInterval) }
            }
        }
    }

    /// One pass: claims due messages and tries each once. Returns how many were sent.
    @discardableResult
    public func deliverDue(limit: Int = 20) async throws -> Int {
        var sent = 0
        for item in try await outbox.claimDue(limit: limit, plans: plans) {
            if item.expired {
                try await deadLetter(item, reason: "expired after \(Outbox.deadAfterHours) h")
                continue
            }
            do {
                try await transport.send(item.message)
                try await outbox.markSent(item)
                sent += 1
                logger.info("e-mail sent", metadata: ["outbox_id": "\(item.id)", "kind": "\(item.kind)", "plan": "\(item.plan)"])
            } catch {
                // Transport errors name the SMTP verb and reply code, never the reply text.
                let reason = SafeError.describe(error)
                if item.attempts >= Outbox.deadAfterAttempts {
                    try await deadLetter(item, reason: "\(item.attempts) attempts; last: \(reason)")
                    continue
                }
                try await outbox.markFailed(item, error: reason)
                logger.warning("e-mail not sent; will retry", metadata: ["outbox_id": "\(item.id)", "attempt": "\(item.attempts)", "error": "\(reason)"])
            }
        }
        return sent
    }

    func deadLetter(_ item: Outbox.Claimed, reason: String) async throws {
        try await outbox.markDead(item, reason: reason)
        Counter(label: "planportal_outbox_dead_total", dimensions: [("kind", item.kind)], factory: metrics).increment()
        logger.error("e-mail dead-lettered", metadata: ["outbox_id": "\(item.id)", "kind": "\(item.kind)", "plan": "\(item.plan)", "reason": "\(reason)"])
    }
}

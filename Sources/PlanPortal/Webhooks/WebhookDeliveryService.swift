import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import ServiceLifecycle

/// Delivers what the webhook outbox holds, in the application's service group (`WEBHOOK_DELIVERY`).
/// Every replica runs one; claims are row by row, so two replicas never attempt the same delivery
/// at once, and a replica that dies mid-attempt leaves it to another once its lease runs out
/// (at-least-once: receivers dedupe on `webhook-id`).
///
/// An attempt is a POST through `OutboundHTTPClient` (https only, the resolved address checked and
/// connected to, no redirects) that must answer 2xx within `attemptTimeout`; anything else is
/// retried on `WebhookOutbox.retryDelay`'s schedule for 3 days, then the delivery is dead.
/// Attempts run concurrently within `WebhookOutbox.Limits`, so a slow or dead endpoint holds at
/// most its share of the slots and other plans' deliveries keep going.
public struct WebhookDeliveryService: Service {
    let outbox: WebhookOutbox
    let http: OutboundHTTPClient
    let secrets: SecretBox
    let logger: Logger
    let limits: WebhookOutbox.Limits
    let attemptTimeout: Duration
    let pollInterval: Duration
    /// Only these plans' deliveries (tests); nil in production.
    let plans: [String]?
    let metrics: any MetricsFactory
    /// Written on the deliveries this replica attempts (`claimed_by`).
    let replica: String

    public init(
        outbox: WebhookOutbox, http: OutboundHTTPClient, secrets: SecretBox, logger: Logger, limits: WebhookOutbox.Limits = .init(),
        attemptTimeout: Duration = .seconds(10), pollInterval: Duration = .milliseconds(250), plans: [String]? = nil,
        metrics: any MetricsFactory = MetricsSystem.factory, replica: String = WebhookDeliveryService.defaultReplicaName
    ) {
        self.outbox = outbox
        self.http = http
        self.secrets = secrets
        self.logger = logger
        self.limits = limits
        self.attemptTimeout = attemptTimeout
        self.pollInterval = pollInterval
        self.plans = plans
        self.metrics = metrics
        self.replica = replica
    }

    /// `host:pid`.
    public static var defaultReplicaName: String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    public func run() async throws {
        let state = NIOLockedValueBox(WebhookOutbox.InFlight())
        let wakeup = Wakeup()
        var lastStats = ContinuousClock.now - .seconds(60)
        var lastPurge = ContinuousClock.now
        await withDiscardingTaskGroup { group in
            // A graceful shutdown stops claiming; attempts under way finish (each within its deadline).
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                if ContinuousClock.now - lastStats > .seconds(5) {
                    lastStats = ContinuousClock.now
                    await recordQueueStats()
                }
                if ContinuousClock.now - lastPurge > .seconds(3600) {
                    lastPurge = ContinuousClock.now
                    do { try await outbox.purge() } catch {
                        logger.warning("webhook purge failed", metadata: ["error": "\(SafeError.describe(error))"])
                    }
                }
                let inFlight = state.withLockedValue { $0 }
                let free = limits.concurrency - inFlight.total
                if free > 0 {
                    do {
                        for (item, body) in try await claim(limit: free, inFlight: inFlight) {
                            state.withLockedValue { $0.add(item) }
                            group.addTask {
                                await attempt(item, body: body)
                                state.withLockedValue { $0.remove(item) }
                                wakeup.signal()
                            }
                        }
                    } catch {
                        // A poll cut by the shutdown is no failure.
                        if !Task.isCancelled && !Task.isShuttingDownGracefully {
                            logger.warning("webhook poll failed", metadata: ["error": "\(SafeError.describe(error))"])
                        }
                    }
                }
                // Everything due (within the limits) is under way: claim again when an attempt
                // ends (its slot is free) or the poll interval has passed.
                await wakeup.wait(upTo: pollInterval)
            }
        }
    }

    /// One pass for tests and the bench: claims what is due and attempts each once. Returns how many succeeded.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let batch = try await claim(limit: limits.concurrency, inFlight: .init())
        return await withTaskGroup(of: Bool.self) { group in
            for (item, body) in batch { group.addTask { await attempt(item, body: body) } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    /// Claims due deliveries and reads their events' bodies (one query per plan).
    func claim(limit: Int, inFlight: WebhookOutbox.InFlight) async throws -> [(WebhookOutbox.Claimed, String?)] {
        let claimed = try await outbox.claimDue(limit: limit, limits: limits, inFlight: inFlight, plans: plans, replica: replica)
        var bodies: [UUID: String] = [:]
        for (plan, items) in Dictionary(grouping: claimed, by: \.plan) {
            guard let slug = PlanSlug(plan) else { continue }
            bodies.merge(try await outbox.bodies(plan: slug, events: items.map(\.eventID))) { $1 }
        }
        return claimed.map { ($0, bodies[$0.eventID]) }
    }

    /// Makes one attempt and records its outcome; true when the endpoint answered 2xx.
    @discardableResult
    func attempt(_ item: WebhookOutbox.Claimed, body: String?) async -> Bool {
        do {
            guard item.enabled else { return try await fail(item, status: nil, error: "endpoint_disabled", dead: true) }
            guard !item.expired else { return try await fail(item, status: nil, error: "expired", dead: true) }
            guard let body else { return try await fail(item, status: nil, error: "event_gone", dead: true) }
            let context = WebhookRepository.secretContext(plan: item.plan, endpoint: item.endpointID)
            let signingSecrets: [String]
            do { signingSecrets = try item.sealedSecrets.map { try secrets.open($0, context: context) } } catch {
                logger.error("webhook secret does not open", metadata: ["plan": "\(item.plan)", "webhook": "\(item.endpointID)", "error": "\(error)"])
                return try await fail(item, status: nil, error: "secret_unavailable")
            }
            let id = item.eventID.uuidString.lowercased()
            let bytes = ByteBuffer(string: body)
            let headers = try WebhookSignature.headers(
                id: id, timestamp: Int(Date().timeIntervalSince1970), body: Array(body.utf8), secrets: signingSecrets
            ) + [("content-type", "application/json"), ("user-agent", "PlanPortal-Webhooks/1")]
            let status: Int
            do {
                status = try await http.post(item.url, headers: headers, body: bytes, timeout: attemptTimeout, maxBytes: nil).status
            } catch {
                // Stopped mid-attempt (shutdown): the lease runs out and the delivery is tried again.
                if Task.isCancelled { return false }
                return try await fail(item, status: nil, error: Self.reason(error))
            }
            guard (200..<300).contains(status) else { return try await fail(item, status: status, error: "http_\(status)") }
            try await outbox.markSucceeded(item, status: status)
            count("succeeded")
            return true
        } catch {
            // PostgreSQL failed after the attempt: the lease runs out and the delivery is tried again.
            if Task.isCancelled { return false }
            logger.warning("webhook outcome not recorded", metadata: ["delivery": "\(item.id)", "error": "\(SafeError.describe(error))"])
            return false
        }
    }

    private func fail(_ item: WebhookOutbox.Claimed, status: Int?, error: String, dead: Bool = false) async throws -> Bool {
        let died = try await outbox.markFailed(item, status: status, error: error, dead: dead)
        count(died ? "dead" : "failed")
        let metadata: Logger.Metadata = [
            "delivery": "\(item.id)", "plan": "\(item.plan)", "event_type": "\(item.eventType)", "attempt": "\(item.attempts)", "error": "\(error)",
        ]
        if died { logger.error("webhook delivery dead", metadata: metadata) } else { logger.info("webhook attempt failed; will retry", metadata: metadata) }
        return false
    }

    /// A short, stable reason for a failed exchange: never a body, a header or the endpoint's address.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let refused as OutboundHTTPClient.Refused: "refused: \(refused.reason.rawValue)"
        case is DeadlineExceeded: "timeout"
        case let client as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(client): "timeout"
        case is HTTPClientError: "http_client"
        case is NIOSSLError: "tls"
        default: "connect"
        }
    }

    private func count(_ outcome: String) {
        Counter(label: "planportal_webhook_deliveries_total", dimensions: [("outcome", outcome)], factory: metrics).increment()
    }

    private func recordQueueStats() async {
        do {
            let (due, oldest) = try await outbox.queueStats()
            Gauge(label: "planportal_webhook_queue_due", factory: metrics).record(due)
            Gauge(label: "planportal_webhook_queue_age_seconds", factory: metrics).record(oldest)
        } catch where !Task.isCancelled {
            logger.warning("webhook queue stats failed", metadata: ["error": "\(SafeError.describe(error))"])
        } catch {}
    }
}

extension WebhookOutbox.InFlight {
    mutating func add(_ item: WebhookOutbox.Claimed) {
        endpoints[item.endpointID, default: 0] += 1
        plans[item.plan, default: 0] += 1
    }

    mutating func remove(_ item: WebhookOutbox.Claimed) {
        endpoints[item.endpointID, default: 1] -= 1
        if endpoints[item.endpointID] == 0 { endpoints[item.endpointID] = nil }
        plans[item.plan, default: 1] -= 1
        if plans[item.plan] == 0 { plans[item.plan] = nil }
    }
}

/// Lets the claiming loop sleep until an attempt ends or `timeout` passes, whichever is first.
final class Wakeup: Sendable {
    private let state = NIOLockedValueBox<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    func wait(upTo timeout: Duration) async {
        let timer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { signal() }
        }
        defer { timer.cancel() }
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

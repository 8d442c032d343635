import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

@testable import PlanPortal

@Suite struct OutboxTests {
    /// Nothing is lost while SMTP is down: the row waits with its error and goes out later.
    @Test func keepsMessagesWhileSMTPIsDownAndSendsThemLater() async throws {
        try await TestEnvironment.withServices { services in
            let slug = try PlanSlug.parse(TestEnvironment.uniqueSlug("mail"))
            let input = try PlanCreateInput(slug: slug.value, nameFr: "R", nameEn: "P", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca").validated()
            _ = try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
            let recipient = "outbox.\(slug.value)@example.ca"
            try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
                try await services.outbox.enqueue(MailMessage(to: recipient, subject: "Sujet é", text: "Bonjour", html: "<p>Bonjour</p>"), kind: "test", plan: slug, on: tx)
            }
            let closedPort = try await Self.closedPort()
            let down = OutboxDeliveryService(
                outbox: services.outbox,
                transport: SMTPTransport(configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(closedPort)"), from: "t@example.ca", timeout: .seconds(5)),
                logger: TestEnvironment.logger, plans: [slug.value]
            )
            try #expect(await down.deliverDue() == 0)
            let rows = try await services.postgres.query("SELECT attempts, sent_at IS NULL, last_error IS NOT NULL, next_attempt_at > now() FROM control.outbox WHERE plan_slug = \(slug.value)")
            for try await (attempts, unsent, hasError, later) in rows.decode((Int, Bool, Bool, Bool).self) {
                #expect(attempts == 1)
                #expect(unsent && hasError && later)
            }
            try #expect(await down.deliverDue() == 0, "not due again before its back-off")

            try await services.postgres.query("UPDATE control.outbox SET next_attempt_at = now() WHERE plan_slug = \(slug.value)")
            let up = services.deliveryService(plans: [slug.value])
            try #expect(await up.deliverDue() == 1)
            let raw = try await MailCapture.waitForMessage(to: recipient)
            #expect(raw.contains("Subject: =?UTF-8?B?"))
            try #expect(MailCapture.plainText(raw) == "Bonjour")
        }
    }

    /// The service in the application's service group picks messages up by itself.
    @Test func runningServiceDeliversQueuedMail() async throws {
        try await TestEnvironment.withServices { services in
            let slug = try PlanSlug.parse(TestEnvironment.uniqueSlug("mail"))
            let input = try PlanCreateInput(slug: slug.value, nameFr: "R", nameEn: "P", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca").validated()
            _ = try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
            let recipient = "service.\(slug.value)@example.ca"
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.deliveryService(plans: [slug.value]).run() }
                try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
                    try await services.outbox.enqueue(MailMessage(to: recipient, subject: "s", text: "t", html: "h"), kind: "test", plan: slug, on: tx)
                }
                _ = try await MailCapture.waitForMessage(to: recipient)
                // The row is marked sent (and audited) just after the server accepted the message.
                try await TestEnvironment.waitUntil("email.sent audited") {
                    try await services.audit.list(plan: slug, limit: 10, before: nil).items.contains { $0.action == "email.sent" }
                }
                group.cancelAll()
            }
        }
    }

    /// Replicas claim concurrently (`control.outbox_claim_due`): every due message of the plan goes
    /// to exactly one of them, each claimed row is leased for two minutes with its attempt counted,
    /// and another plan's message is left to the replicas that serve that plan.
    @Test func concurrentClaimsShareTheMessagesAndLeaseThem() async throws {
        try await TestEnvironment.withServices { services in
            var slugs: [PlanSlug] = []
            for _ in 0..<2 {
                let slug = try PlanSlug.parse(TestEnvironment.uniqueSlug("claim"))
                let input = try PlanCreateInput(slug: slug.value, nameFr: "R", nameEn: "P", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca").validated()
                _ = try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
                slugs.append(slug)
            }
            let (mine, other) = (slugs[0], slugs[1])
            try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
                for i in 0..<30 {
                    try await services.outbox.enqueue(MailMessage(to: "c\(i).\(mine.value)@example.ca", subject: "s", text: "t", html: "h"), kind: "test", plan: mine, on: tx)
                }
                try await services.outbox.enqueue(MailMessage(to: "o.\(other.value)@example.ca", subject: "s", text: "t", html: "h"), kind: "test", plan: other, on: tx)
            }
            async let first = services.outbox.claimDue(limit: 20, plans: [mine.value])
            async let second = services.outbox.claimDue(limit: 20, plans: [mine.value])
            let (a, b) = try await (first, second)
            let ids = a.map(\.id) + b.map(\.id)
            #expect(a.count <= 20 && b.count <= 20)
            #expect(ids.count == 30 && Set(ids).count == 30, "each message claimed once: \(a.count) + \(b.count)")
            #expect((a + b).allSatisfy { $0.plan == mine.value && $0.attempts == 1 && !$0.expired && $0.message.to.hasSuffix(".\(mine.value)@example.ca") })
            try #expect(await services.outbox.claimDue(limit: 20, plans: [mine.value]).isEmpty, "leased rows are not claimed again")

            let rows = try await services.postgres.query(
                """
                SELECT count(*) FILTER (WHERE attempts = 1 AND next_attempt_at BETWEEN now() + interval '110 seconds' AND now() + interval '130 seconds'),
                       count(*) FILTER (WHERE attempts = 0 AND next_attempt_at <= now())
                FROM control.outbox WHERE plan_slug = ANY(\([mine.value, other.value]))
                """
            )
            for try await (leased, untouched) in rows.decode((Int, Int).self) {
                #expect(leased == 30)
                #expect(untouched == 1, "the other plan's message was not claimed")
            }
            let others = try await services.outbox.claimDue(limit: 20, plans: [other.value])
            #expect(others.map(\.message.to) == ["o.\(other.value)@example.ca"])
        }
    }

    static func closedPort() async throws -> Int {
        let socket = try ServerSocketProbe()
        return socket.port
    }
}

/// Finds a loopback port with nothing listening (bound, then released).
struct ServerSocketProbe {
    let port: Int
    init() throws {
        let fd = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        close(fd)
    }
}

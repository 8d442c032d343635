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

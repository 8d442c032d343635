import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix
import PostgresNIO
import Prometheus
import Testing

@testable import PlanPortal

/// A scripted SMTP peer on loopback: answers each command with the reply the script gives for
/// its verb (default 250), to test what the client does with hostile or failing replies.
final class ScriptedSMTPServer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let replies: [String: String]
    private var pending = ""
    private var inData = false
    /// After a 220 to STARTTLS: the raw bytes the client sends next (its TLS ClientHello) are kept
    /// here, and the connection is closed once some have arrived.
    let tlsBytes: NIOLockedValueBox<[UInt8]>?
    private var inTLS = false

    init(replies: [String: String], tlsBytes: NIOLockedValueBox<[UInt8]>? = nil) {
        self.replies = replies
        self.tlsBytes = tlsBytes
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "220 scripted ESMTP\r\n")), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if inTLS {
            tlsBytes?.withLockedValue { $0 += buffer.readBytes(length: buffer.readableBytes) ?? [] }
            context.close(promise: nil)
            return
        }
        pending += buffer.readString(length: buffer.readableBytes) ?? ""
        while let range = pending.range(of: "\r\n") {
            let line = String(pending[..<range.lowerBound])
            pending.removeSubrange(..<range.upperBound)
            if inData {
                if line == "." { inData = false; send(context, replies["."] ?? "250 queued") }
                continue
            }
            let verb = line.split(separator: " ").first.map { String($0).uppercased() } ?? ""
            switch verb {
            case "EHLO": send(context, replies["EHLO"] ?? "250-scripted\r\n250 SIZE 1000000")
            case "DATA":
                let reply = replies["DATA"] ?? "354 go"
                if reply.hasPrefix("354") { inData = true }
                send(context, reply)
            case "QUIT": send(context, "221 bye"); context.close(promise: nil)
            case "STARTTLS" where tlsBytes != nil:
                let reply = replies["STARTTLS"] ?? "220 go ahead"
                send(context, reply)
                if reply.hasPrefix("220") { inTLS = true; return }
            default: send(context, replies[verb] ?? "250 ok")
            }
        }
    }

    func send(_ context: ChannelHandlerContext, _ reply: String) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply + "\r\n")), promise: nil)
    }

    /// Runs `body` with the port of a server answering with `replies`.
    static func with<T: Sendable>(
        _ replies: [String: String], tlsBytes: NIOLockedValueBox<[UInt8]>? = nil, _ body: (Int) async throws -> T
    ) async throws -> T {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptedSMTPServer(replies: replies, tlsBytes: tlsBytes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            let result = try await body(try #require(channel.localAddress?.port))
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

/// Issue #11 §5: the outbox gives up cleanly, SMTP is TLS in production, and neither the outbox,
/// nor SMTP, nor PostgreSQL errors put member data in the logs.
@Suite struct MailAndLogPrivacyTests {
    static func plan(_ services: AppServices) async throws -> PlanSlug {
        let slug = try PlanSlug.parse(TestEnvironment.uniqueSlug("dead"))
        let input = try PlanCreateInput(slug: slug.value, nameFr: "R", nameEn: "P", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca").validated()
        _ = try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
        return slug
    }

    /// A new plan with one queued activation e-mail to `<prefix>.<slug>@example.ca`.
    static func queued(_ services: AppServices, _ prefix: String) async throws -> (PlanSlug, String) {
        let slug = try await plan(services)
        let recipient = "\(prefix).\(slug.value)@example.ca"
        try await enqueue(services, slug, to: recipient)
        return (slug, recipient)
    }

    static func enqueue(_ services: AppServices, _ slug: PlanSlug, to recipient: String) async throws {
        try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
            try await services.outbox.enqueue(
                MailMessage(to: recipient, subject: "Activation", text: "https://portal.example.ca/a?token=\(String(repeating: "t", count: 43))", html: "<p>lien</p>"),
                kind: "activation", plan: slug, on: tx
            )
        }
    }

    struct Row: Sendable { var dead: Bool; var sent: Bool; var address: String?; var text: String?; var html: String?; var error: String? }

    static func row(_ services: AppServices, _ slug: PlanSlug) async throws -> Row {
        let rows = try await services.postgres.query(
            "SELECT dead_at IS NOT NULL, sent_at IS NOT NULL, to_address, body_text, body_html, last_error FROM control.outbox WHERE plan_slug = \(slug.value)"
        )
        for try await (dead, sent, address, text, html, error) in rows.decode((Bool, Bool, String?, String?, String?, String?).self) {
            return Row(dead: dead, sent: sent, address: address, text: text, html: html, error: error)
        }
        throw ConfigError("no outbox row")
    }

    @Test func deadLettersAfterTwentyAttemptsAndKeepsNothingOfTheMessage() async throws {
        try await TestEnvironment.withServices { services in
            let (slug, _) = try await Self.queued(services, "dead")
            try await services.postgres.query("UPDATE control.outbox SET attempts = 19 WHERE plan_slug = \(slug.value)")
            let registry = PrometheusCollectorRegistry()
            let down = OutboxDeliveryService(
                outbox: services.outbox,
                transport: SMTPTransport(configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(try await OutboxTests.closedPort())"), from: "t@example.ca", timeout: .seconds(5)),
                logger: TestEnvironment.logger, plans: [slug.value], metrics: PrometheusMetricsFactory(registry: registry)
            )
            #expect(try await down.deliverDue() == 0)
            let row = try await Self.row(services, slug)
            #expect(row.dead && !row.sent)
            #expect(row.address == nil && row.text == nil && row.html == nil, "a dead row keeps no address, body or token link")
            var exposition: [UInt8] = []
            registry.emit(into: &exposition)
            #expect(String(decoding: exposition, as: UTF8.self).contains(#"planportal_outbox_dead_total{kind="activation"} 1"#))
            #expect(try await down.deliverDue() == 0, "a dead row is not claimed again")
            #expect(try await services.audit.list(plan: slug, limit: 10, before: nil).items.contains { $0.action == "email.dead" })
        }
    }

    @Test func deadLettersAfterADayWithoutSending() async throws {
        try await TestEnvironment.withServices { services in
            let (slug, recipient) = try await Self.queued(services, "late")
            try await services.postgres.query("UPDATE control.outbox SET created_at = now() - interval '25 hours' WHERE plan_slug = \(slug.value)")
            #expect(try await services.deliveryService(plans: [slug.value]).deliverDue() == 0)
            let row = try await Self.row(services, slug)
            #expect(row.dead && row.address == nil && row.text == nil)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try MailCapture.messages(to: recipient).isEmpty, "a day-old activation link is not sent any more")
        }
    }

    /// The server's reply echoes the address; neither the row nor the log keeps it.
    @Test func smtpRepliesAreNeitherStoredNorLoggedVerbatim() async throws {
        let capture = LogCapture()
        try await TestEnvironment.withServices { services in
            let (slug, recipient) = try await Self.queued(services, "echo")
            try await ScriptedSMTPServer.with(["RCPT": "550 5.1.1 <\(recipient)>: Recipient address rejected"]) { port in
                let service = OutboxDeliveryService(
                    outbox: services.outbox,
                    transport: SMTPTransport(configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)"), from: "t@example.ca", timeout: .seconds(5)),
                    logger: capture.logger, plans: [slug.value]
                )
                #expect(try await service.deliverDue() == 0)
            }
            let row = try await Self.row(services, slug)
            let error = try #require(row.error)
            #expect(error.contains("RCPT") && error.contains("550") && error.contains("5.1.1"))
            #expect(!error.contains(recipient))
            #expect(!capture.all.isEmpty)
            #expect(capture.all.allSatisfy { !$0.contains(recipient) })
        }
    }

    @Test func productionNeverSendsMailInClear() async throws {
        // The capture peer offers no STARTTLS: in production nothing is sent to it.
        let url = try #require(ProcessInfo.processInfo.environment["TEST_SMTP_URL"])
        var config = try TestEnvironment.config()
        config.environment = .production
        config.smtpURL = url
        let services = try AppServices(config: config, logger: TestEnvironment.logger)
        let transport = try #require(services.mailTransport as? SMTPTransport)
        #expect(transport.configuration.requireTLS)
        let recipient = "clear.\(UUID().uuidString.prefix(8).lowercased())@example.ca"
        await #expect(throws: SMTPTransport.Failure.self) {
            try await transport.send(MailMessage(to: recipient, subject: "s", text: "t", html: "h"))
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try MailCapture.messages(to: recipient).isEmpty)
    }

    /// STARTTLS to a server named by its IP address starts the handshake without SNI (which cannot
    /// carry an address; NIOSSL then checks the certificate against the address connected to),
    /// and to a named server with the name as SNI. Before, an address as SMTP host failed every
    /// message at STARTTLS, before anything was sent.
    @Test func startTLSBeginsTheHandshakeForAnAddressOrAName() async throws {
        for host in ["127.0.0.1", "localhost"] {
            let hello = NIOLockedValueBox<[UInt8]>([])
            try await ScriptedSMTPServer.with(["EHLO": "250-scripted\r\n250 STARTTLS"], tlsBytes: hello) { port in
                let transport = SMTPTransport(configuration: try SMTPConfiguration(url: "smtp://\(host):\(port)"), from: "t@example.ca", timeout: .seconds(5))
                await #expect(throws: (any Error).self, "the scripted peer closes instead of answering TLS") {
                    try await transport.send(MailMessage(to: "a@example.ca", subject: "s", text: "t", html: "h"))
                }
            }
            let bytes = hello.withLockedValue { $0 }
            #expect(bytes.first == 0x16, "\(host): a TLS handshake record followed the 220, got \(bytes.prefix(8))")
            let sni = bytes.count > 9 && String(decoding: bytes, as: UTF8.self).contains("localhost")
            #expect(sni == (host == "localhost"), "\(host): SNI")
            #expect(!String(decoding: bytes, as: UTF8.self).contains("127.0.0.1"))
        }
    }

    /// STARTTLS command injection: replies the server (or a man in the middle) sent in clear
    /// before the handshake must not be read as answers after it.
    @Test func startTLSDropsRepliesSentBeforeTheHandshake() async throws {
        let handler = SMTPReplyHandler()
        let channel = EmbeddedChannel(handler: handler)
        try channel.writeInbound(ByteBuffer(string: "220 go ahead\r\n250 injected\r\n"))
        #expect(try await handler.next().code == 220)
        handler.discardBuffered()
        try channel.writeInbound(ByteBuffer(string: "250-after tls\r\n250 SIZE 10\r\n"))
        let reply = try await handler.next()
        #expect(reply.lines == ["after tls", "SIZE 10"], "the injected 250 was dropped")
        _ = try channel.finish()
    }

    /// A constraint violation whose detail carries a value is logged by SQLSTATE and constraint only.
    @Test func postgresErrorsAreLoggedWithoutTheirDetail() async throws {
        let capture = LogCapture()
        let secret = "jeanne.cote.\(UUID().uuidString.prefix(6).lowercased())@example.ca"
        try await TestEnvironment.withServices { services in
            try await services.postgres.query("CREATE SCHEMA IF NOT EXISTS log_probe")
            try await services.postgres.query("CREATE TABLE IF NOT EXISTS log_probe.people (email text CONSTRAINT people_email_key UNIQUE)")
            try await services.postgres.query("INSERT INTO log_probe.people VALUES (\(secret))")
            let router = Router(context: AppRequestContext.self)
            router.add(middleware: EdgeMiddleware(services: services, routes: RouteTable()))
            router.post("probe") { _, _ -> Response in
                try await services.postgres.query("INSERT INTO log_probe.people VALUES (\(secret))")
                return Response(status: .ok)
            }
            let app = Application(router: router, logger: capture.logger)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/probe", method: .post)
                #expect(response.status == .internalServerError)
            }
        }
        let lines = capture.all.filter { $0.contains("unhandled error") }
        #expect(lines.count == 1)
        // A Citus coordinator relays a worker's error without its constraint field: there the
        // SQLSTATE alone is logged.
        let citus = try await TestEnvironment.withServices { services in
            try await services.postgres.query("SELECT count(*)::int FROM pg_extension WHERE extname = 'citus'").decode(Int.self).one() == 1
        }
        #expect(lines.allSatisfy { $0.contains("23505") && ($0.contains("people_email_key") || citus) }, "\(lines)")
        #expect(capture.all.allSatisfy { !$0.contains(secret) }, "the detail (Key (email)=(…)) never reaches the log")
    }
}

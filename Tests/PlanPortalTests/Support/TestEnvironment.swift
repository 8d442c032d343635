import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing

@testable import PlanPortal

/// The repository root, where `openapi.yaml` and `sql/` live.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Shared set-up for tests that need the real PostgreSQL the test command starts.
enum TestEnvironment {
    /// `DATABASE_URL` of the throwaway server. Tests that need it fail (not skip) without it.
    static func databaseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw ConfigError("DATABASE_URL is not set: run the test command (deploy/local/test), which starts PostgreSQL")
        }
        return url
    }

    static func config(maxConnections: Int = 8) throws -> AppConfig {
        var config = AppConfig(databaseURL: try databaseURL(), environment: .test, assetsDirectory: repositoryRoot)
        // Set when DATABASE_URL is a transaction-mode pooler (deploy/pgbouncer/check).
        config.databaseDirectURL = ProcessInfo.processInfo.environment["DATABASE_DIRECT_URL"].flatMap { $0.isEmpty ? nil : $0 }
        config.databaseMaxConnections = maxConnections
        // Every suite runs at once on two cores, against one database being migrated: the
        // production deadlines (2 s / 3 s) are for a server, not for this. The outage test uses them.
        config.databaseTimeouts = Database.Timeouts(acquire: .seconds(30), statement: .seconds(60))
        config.logLevel = .warning
        // The in-process router counts as 127.0.0.1 under APP_ENV=test: tests that share it give
        // themselves distinct addresses with X-Forwarded-For (`TestAddress`), since per-address
        // rules (`loginIp` above all) count across every plan and every suite running at once.
        config.trustedProxies = TrustedProxies(list: "127.0.0.0/8,::1/128")!
        config.smtpURL = ProcessInfo.processInfo.environment["TEST_SMTP_URL"]
        config.mailDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("planportal-test-mail")
        // Webhook tests run delivery services of their own, limited to their plans.
        config.webhookDelivery = false
        return config
    }

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// Waits until `condition` holds, checking every 50 ms, or fails after `seconds`: tests wait
    /// on what they expect to happen, never on a fixed sleep.
    static func waitUntil(_ what: String, seconds: Double = 10, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ConfigError("not within \(seconds) s: \(what)")
    }

    /// A fresh plan slug no other test uses.
    static func uniqueSlug(_ prefix: String = "t") -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return prefix + "-" + String((0..<10).map { _ in alphabet.randomElement()! })
    }

    /// Runs `body` with the services of a real app whose pool is running and migrations applied.
    static func withServices<T: Sendable>(
        maxConnections: Int = 8,
        _ body: @Sendable (AppServices) async throws -> T
    ) async throws -> T {
        let services = try AppServices(config: config(maxConnections: maxConnections), logger: logger)
        return try await services.withRunningDatabase { services in
            try await services.migrator.migrate()
            return try await body(services)
        }
    }

    /// Runs `body` against the router of a real app (real PostgreSQL), with a platform key.
    static func withApp(
        maxConnections: Int = 8,
        logger: Logger = TestEnvironment.logger,
        configure: (inout AppConfig) -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol, AppServices, String) async throws -> Void
    ) async throws {
        var config = try config(maxConnections: maxConnections)
        configure(&config)
        let services = try AppServices(config: config, logger: logger)
        let router = buildRouter(services, registry: .init())
        var app = Application(router: router, services: services.databaseServices, logger: logger)
        app.beforeServerStarts { try await services.migrator.migrate() }
        try await app.test(.router) { client in
            let (_, secret) = try await services.adminKeys.create(name: "test-platform", role: .platform, plans: [])
            try await body(client, services, secret)
        }
    }
}

/// Client addresses for tests, one per caller: sent as `X-Forwarded-For`, which the test
/// configuration believes from 127.0.0.1.
enum TestAddress {
    /// A fresh IPv4 address in 10.0.0.0/8.
    static func unique() -> String {
        "10.\(UInt8.random(in: 0...255)).\(UInt8.random(in: 0...255)).\(UInt8.random(in: 1...254))"
    }

    /// A fresh IPv6 /64 in 2001:db8::/32, as a prefix to append an interface id to (`…:` + `1`).
    static func uniqueIPv6Prefix() -> String {
        "2001:db8:\(String(UInt16.random(in: 1...0xFFFF), radix: 16)):\(String(UInt16.random(in: 1...0xFFFF), radix: 16)):"
    }
}

extension HTTPFields {
    /// JSON content type, from `address` (`X-Forwarded-For`).
    static func json(from address: String) -> HTTPFields {
        [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: address]
    }

    /// Authorization and JSON content type for an admin request.
    static func admin(_ key: String, json: Bool = true, language: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(key)"]
        if json { fields[.contentType] = "application/json" }
        if let language { fields[.acceptLanguage] = language }
        return fields
    }
}

extension ByteBuffer {
    /// A JSON body from a literal dictionary.
    static func json(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
    }
}

extension TestResponse {
    /// The body parsed as a JSON object (fails the test when it is not one).
    func object() throws -> [String: Any] {
        let data = Data(buffer: body)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "body: \(String(buffer: body))")
    }

    /// `code` of a problem body, after checking the media type.
    func problemCode() throws -> String? {
        #expect(headers[.contentType] == "application/problem+json")
        return try object()["code"] as? String
    }
}

/// A plan creation body for tests.
func planBody(slug: String, domain: String = "example.ca", name: String = "Test") -> [String: Any] {
    [
        "slug": slug,
        "nameFr": "Régime \(name)",
        "nameEn": "\(name) plan",
        "emailDomains": [domain],
        "portalUrl": "https://portal.example.ca/\(slug)",
        "support": ["phone": "1-888-509-7797", "email": "help@example.ca", "hoursFr": "8 h à 17 h", "hoursEn": "8 a.m. to 5 p.m."],
    ]
}

/// Reads what the test SMTP server (deploy/local/smtp-capture.py) received.
enum MailCapture {
    static func directory() throws -> URL {
        guard let dir = ProcessInfo.processInfo.environment["SMTP_CAPTURE_DIR"], !dir.isEmpty else {
            throw ConfigError("SMTP_CAPTURE_DIR is not set: run the test command, which starts the SMTP peer")
        }
        return URL(fileURLWithPath: dir, isDirectory: true)
    }

    /// Raw messages received for `recipient`, oldest first. A name starting with a dot is a message
    /// still being written (the capture renames it when complete): it is not read.
    static func messages(to recipient: String) throws -> [String] {
        let dir = try directory()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { !$0.hasPrefix(".") && $0.hasSuffix("-\(recipient).eml") }
            .sorted { (Int($0.split(separator: "-")[0]) ?? 0) < (Int($1.split(separator: "-")[0]) ?? 0) }
        return try names.map { try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }
    }

    /// Waits up to `seconds` for the `count`-th message to `recipient`.
    static func waitForMessage(to recipient: String, count: Int = 1, seconds: Double = 10) async throws -> String {
        try await TestEnvironment.waitUntil("message #\(count) for \(recipient)", seconds: seconds) { try messages(to: recipient).count >= count }
        return try messages(to: recipient)[count - 1]
    }

    /// The decoded text/plain part of a raw message.
    static func plainText(_ raw: String) throws -> String {
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalized.components(separatedBy: "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n")
        guard parts.count == 2 else { throw ConfigError("no text/plain part") }
        let base64 = parts[1].components(separatedBy: "\n--")[0].replacingOccurrences(of: "\n", with: "")
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("text/plain part is not base64 UTF-8")
        }
        return text
    }

    /// The token of the first `…?token=…` link in the message.
    static func token(in raw: String) throws -> String {
        let text = try plainText(raw)
        guard let range = text.range(of: #"token=[A-Za-z0-9_-]{43}"#, options: .regularExpression) else {
            throw ConfigError("no token link in: \(text)")
        }
        return String(text[range].dropFirst("token=".count))
    }
}

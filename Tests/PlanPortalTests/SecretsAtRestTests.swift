import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// Issue #11 §5 (secrets at rest) and §6 (production refuses to start unprotected).
@Suite struct SecretsAtRestTests {
    static func storedSettings(_ services: AppServices, _ slug: String) async throws -> [String: Any] {
        var raw = "{}"
        for try await value in try await services.postgres.query("SELECT settings::text FROM control.plans WHERE slug = \(slug)").decode(String.self) { raw = value }
        return try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
    }

    @Test func challengeSecretsAndProofOfWorkKeysAreSealedInTheDatabase() async throws {
        let log = SiteverifyLog()
        try await fakeSiteverify(log).test(.live) { fake in
            try await TestEnvironment.withApp { client, services, key in
                let f = try await MemberFixture.make(client: client, key: key)
                #expect(try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["challenge": [
                    "provider": "turnstile", "siteKey": "k", "secret": "s3cret-value", "verifyUrl": "http://127.0.0.1:\(try #require(fake.port))/ok",
                ]])).status == .ok)
                let stored = try await Self.storedSettings(services, f.slug)
                let secret = try #require((stored["challenge"] as? [String: Any])?["secret"] as? String)
                let powKey = try #require(stored["powKey"] as? String)
                #expect(secret.hasPrefix("enc:v1:\(services.secrets.current.id):"))
                #expect(!secret.contains("s3cret"))
                #expect(powKey.hasPrefix("enc:v1:\(services.secrets.current.id):"))
                // The server still uses the plaintext with the provider.
                #expect(try await f.submitIdentity(client, challengeToken: "t").status == .accepted)
                #expect(await log.forms.last?["secret"] == "s3cret-value")
            }
        }
    }

    @Test func rotationResealsUnderTheNewKeyAndOldValuesNeedTheOldKey() async throws {
        try await TestEnvironment.withServices { services in
            let input = try PlanCreateInput(slug: TestEnvironment.uniqueSlug("rot"), nameFr: "R", nameEn: "R", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca").validated()
            let plan = try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
            let powKey = try #require(plan.settings.powKey)
            // A value from before this change, in plaintext.
            try await services.postgres.query("UPDATE control.plans SET settings = jsonb_set(settings, '{challenge}', '{\"provider\":\"hcaptcha\",\"siteKey\":\"k\",\"secret\":\"legacy-plain\"}') WHERE slug = \(plan.slug)")

            let oldKey = services.secrets.current
            let newKey = try SecretBox.Key(base64: SecretBox.Key.generate())
            let rotated = SecretBox(current: newKey, previous: [oldKey])
            let changed = try await SecretRotation(client: services.postgres, secrets: rotated, logger: TestEnvironment.logger).resealAll(plans: [plan.slug.value])
            #expect(changed.contains(plan.slug.value))
            let stored = try await Self.storedSettings(services, plan.slug.value)
            #expect((stored["powKey"] as? String)?.hasPrefix("enc:v1:\(newKey.id):") == true)
            #expect(((stored["challenge"] as? [String: Any])?["secret"] as? String)?.hasPrefix("enc:v1:\(newKey.id):") == true)

            let withNewKey = PostgresPlanRepository(client: services.postgres, migrator: services.migrator, secrets: SecretBox(current: newKey), audit: services.audit, logger: TestEnvironment.logger)
            let reread = try #require(try await withNewKey.find(plan.slug))
            #expect(reread.settings.powKey == powKey)
            #expect(reread.challenge.secret == "legacy-plain")
            // The old key alone no longer opens them: the values really were re-encrypted.
            let withOldKey = PostgresPlanRepository(client: services.postgres, migrator: services.migrator, secrets: SecretBox(current: oldKey), audit: services.audit, logger: TestEnvironment.logger)
            let unreadable = try #require(try await withOldKey.find(plan.slug))
            #expect(unreadable.settings.powKey == nil && unreadable.challenge.secret == nil)
            // A sealed value copied to another plan does not open there.
            #expect(throws: SecretBox.Failure.self) { try rotated.open(stored["powKey"] as! String, context: "other-plan/powKey") }
        }
    }

    @Test func theCommandLineReadsSecretsFromAFileOrStandardInput() async throws {
        let slug = try await TestEnvironment.withServices { services in
            let input = try PlanCreateInput(slug: TestEnvironment.uniqueSlug("cli"), nameFr: "R", nameEn: "R", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca").validated()
            return try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system)).slug.value
        }
        func run(_ arguments: [String], stdin: String?) async throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try ServerProcess.binary())
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            env["DATABASE_URL"] = try TestEnvironment.databaseURL()
            env["ASSETS_DIR"] = repositoryRoot.path
            process.environment = env
            // Standard input is always a pipe, closed after `stdin` (empty when nil).
            return try await ChildProcess.run(process, stdin: Data((stdin ?? "").utf8)).status
        }
        #expect(try await run(["plans", "set-challenge", "--plan", slug, "--challenge-provider", "hcaptcha", "--challenge-site-key", "k", "--challenge-secret", "in-argv"], stdin: nil) != 0,
                "a secret is never taken from argv")
        #expect(try await run(["plans", "set-challenge", "--plan", slug, "--challenge-provider", "hcaptcha", "--challenge-site-key", "k", "--challenge-secret-file", "-"], stdin: "from-stdin\n") == 0)
        try await TestEnvironment.withServices { services in
            let plan = try #require(try await services.plans.find(PlanSlug(slug)!))
            #expect(plan.challenge.secret == "from-stdin")
            let stored = try await Self.storedSettings(services, slug)
            #expect(((stored["challenge"] as? [String: Any])?["secret"] as? String)?.hasPrefix("enc:v1:") == true)
        }
    }

    @Test func productionRefusesToStartUnprotected() throws {
        let key = SecretBox.Key.generate()
        let base = ["APP_ENV": "production", "SMTP_URL": "smtps://mail.example.ca:465", "SECRETS_KEY": key]
        func config(_ extra: [String: String]) throws -> AppConfig {
            try AppConfig.fromEnvironment(base.merging(extra) { $1 })
        }
        #expect(throws: ConfigError.self, "SECRETS_KEY") {
            try AppConfig.fromEnvironment(["APP_ENV": "production", "SMTP_URL": "smtps://m.example.ca", "DATABASE_URL": "postgres://u@127.0.0.1/db", "SECRETS_KEY": ""])
        }
        #expect(throws: ConfigError.self, "database over the network without TLS") { try config(["DATABASE_URL": "postgres://u:p@db.example.ca:5432/pp"]) }
        #expect(throws: ConfigError.self, "TLS without verification") { try config(["DATABASE_URL": "postgres://u:p@db.example.ca/pp?sslmode=require"]) }
        #expect(throws: Never.self) { try config(["DATABASE_URL": "postgres://u:p@db.example.ca/pp?sslmode=verify-full"]) }
        #expect(throws: Never.self) { try config(["DATABASE_URL": "postgres://u@/pp?host=/var/run/postgresql"]) }
        #expect(throws: Never.self) { try config(["DATABASE_URL": "postgres://u:p@127.0.0.1:5432/pp"]) }
        #expect(throws: Never.self) { try config(["DATABASE_URL": "postgres://u:p@[::1]:5432/pp"]) }
        #expect(throws: ConfigError.self, "metrics on the public port") { try config(["DATABASE_URL": "postgres://u@127.0.0.1/pp", "PORT": "8080", "METRICS_PORT": "8080"]) }
        let production = try config(["DATABASE_URL": "postgres://u@127.0.0.1/pp"])
        #expect(!production.metricsOnMainListener, "no /metrics on the public listener in production")
        let withPort = try config(["DATABASE_URL": "postgres://u@127.0.0.1/pp", "METRICS_PORT": "9464"])
        #expect(withPort.metricsPort == 9464 && !withPort.metricsOnMainListener)
        let development = try AppConfig.fromEnvironment(["DATABASE_URL": "postgres://u@127.0.0.1/pp"])
        #expect(development.metricsOnMainListener)
        // Development without SECRETS_KEY makes one under .data, readable by its owner only.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pp-secrets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try SecretBox.fromEnvironment([:], environment: .development, dataDirectory: dir)
        let again = try SecretBox.fromEnvironment([:], environment: .development, dataDirectory: dir)
        #expect(made.current.id == again.current.id)
        let mode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("secrets-key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: ConfigError.self) { try SecretBox.fromEnvironment([:], environment: .production, dataDirectory: dir) }
    }
}

import Foundation
import Logging

/// Where the process runs; `production` turns on the strict checks.
public enum AppEnvironment: String, Sendable, CaseIterable, Codable {
    case development
    case test
    case production
}

/// Output format of the process log.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// Everything the server needs to start, filled from the environment and then from command-line flags.
public struct AppConfig: Sendable {
    public var databaseURL: String
    /// A URL with a real session (`DATABASE_DIRECT_URL`) for what a transaction-mode pooler cannot
    /// carry: migrations under their advisory lock and `LISTEN`. Nil: `databaseURL` serves both.
    public var databaseDirectURL: String?
    public var host: String
    public var port: Int
    public var environment: AppEnvironment
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// Folder holding `openapi.yaml` and `sql/` (and the data files later issues add).
    public var assetsDirectory: URL
    /// Run `migrate` before serving.
    public var migrateOnStart: Bool
    /// Largest JSON body accepted, in bytes.
    public var maxJSONBodyBytes: Int
    /// Connections in the PostgreSQL pool of this process.
    public var databaseMaxConnections: Int
    /// Longest wait for a pooled connection and longest request statement
    /// (`DATABASE_ACQUIRE_TIMEOUT_MS`, `DATABASE_STATEMENT_TIMEOUT_MS`): past them, 503.
    public var databaseTimeouts = Database.Timeouts()
    /// Longest graceful shutdown (`SHUTDOWN_GRACE_SECONDS`): requests in flight get this long to
    /// finish after SIGTERM, then what is left is cancelled and the process exits.
    public var shutdownGrace: Duration = .seconds(20)
    /// Plan schemas migrated at once.
    public var migrationConcurrency: Int
    /// Argon2 hashes computed at once (threads of the hashing pool).
    public var hashConcurrency: Int
    /// Argon2 requests allowed to wait for a thread before the server answers 503 (half of them
    /// at most for one plan).
    public var hashQueueLimit: Int
    /// Memory all concurrent Argon2 hashes may use together, in MiB (`HASH_MEMORY_MIB`, at least
    /// the 256 MiB hard cap of one hash).
    public var hashMemoryMiB: Int
    /// Memory the bodies of receipt uploads may hold together, in MiB (`UPLOAD_MEMORY_MIB`, at
    /// least the 10 MiB of one receipt); an upload that does not fit waits, then gets 503.
    public var uploadMemoryMiB: Int
    /// A connection with no request in flight is closed after this long (`HTTP_IDLE_TIMEOUT_SECONDS`).
    public var httpIdleTimeoutSeconds: Int
    /// Largest request head: all header fields together, in bytes (one field: half of it).
    public var maxHeaderBytes: Int
    /// `smtp://[user:pass@]host:port` or `smtps://…`; unset in development writes `.eml` files.
    public var smtpURL: String?
    /// Sender of every e-mail (`MAIL_FROM`).
    public var mailFrom: String
    /// Folder of `.eml` files when `SMTP_URL` is unset (`MAIL_DIR`).
    public var mailDirectory: URL
    /// Proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`, CIDR list).
    public var trustedProxies: TrustedProxies
    /// Rate limits on (`RATE_LIMITS=off` turns them off outside production, for benchmarks).
    public var rateLimitsEnabled: Bool
    /// Whether this replica sends the outbox (`OUTBOX_DELIVERY=off` for API-only replicas).
    public var outboxDelivery: Bool
    /// Whether this replica delivers webhooks (`WEBHOOK_DELIVERY=off` for API-only replicas).
    public var webhookDelivery: Bool
    /// How long a replica may serve a plan from memory (`PLAN_CACHE_SECONDS`, 0 = never); changes
    /// reach other replicas at once through NOTIFY, this bounds a missed notification.
    public var planCacheSeconds: Int
    /// Requests per admin key (`ADMIN_RATE_LIMIT`, `LIMIT/SECONDS`, default 600/60).
    public var adminRateLimit: RateLimitRule
    /// Browser origins CORS grants on `/v1/admin/**` (`ADMIN_ALLOWED_ORIGINS`, comma-separated;
    /// none by default: admin consoles call from servers, or from an origin named here).
    public var adminAllowedOrigins: [WebOrigin] = []
    /// A separate listener for `/metrics` (`METRICS_PORT`); without it, `/metrics` is on the main
    /// listener outside production and nowhere in production.
    public var metricsPort: Int?
    /// Address of the metrics listener (`METRICS_HOST`, default 127.0.0.1).
    public var metricsHost = "127.0.0.1"

    /// Whether the main listener serves `/metrics`.
    public var metricsOnMainListener: Bool { metricsPort == nil && environment != .production }

    /// `SECRETS_KEY` and `SECRETS_PREVIOUS_KEYS` as given (base64); without them development and
    /// tests use `.data/secrets-key`, production refuses to start.
    public var secretsKey: String?
    public var previousSecretsKeys: String?

    /// The variables `SecretBox.fromEnvironment` reads: these fields, or when `SECRETS_KEY` was
    /// not given through them (a config built in code), the process environment.
    var secretsEnvironment: [String: String] {
        guard secretsKey != nil else { return ProcessInfo.processInfo.environment }
        var env: [String: String] = [:]
        env["SECRETS_KEY"] = secretsKey
        env["SECRETS_PREVIOUS_KEYS"] = previousSecretsKeys
        return env
    }

    public init(
        databaseURL: String,
        host: String = "127.0.0.1",
        port: Int = 8080,
        environment: AppEnvironment = .development,
        logLevel: Logger.Level = .info,
        logFormat: LogFormat = .text,
        assetsDirectory: URL = AppConfig.defaultAssetsDirectory(),
        migrateOnStart: Bool = true,
        maxJSONBodyBytes: Int = 64 * 1024,
        databaseMaxConnections: Int = 20,
        migrationConcurrency: Int = 4,
        hashConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
        hashQueueLimit: Int = 256
    ) {
        self.databaseURL = databaseURL
        self.databaseDirectURL = nil
        self.host = host
        self.port = port
        self.environment = environment
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.assetsDirectory = assetsDirectory
        self.migrateOnStart = migrateOnStart
        self.maxJSONBodyBytes = maxJSONBodyBytes
        self.databaseMaxConnections = databaseMaxConnections
        self.migrationConcurrency = migrationConcurrency
        self.hashConcurrency = max(1, hashConcurrency)
        self.hashQueueLimit = hashQueueLimit
        self.hashMemoryMiB = 1024
        self.uploadMemoryMiB = 64
        self.httpIdleTimeoutSeconds = 30
        self.maxHeaderBytes = 16 * 1024
        self.smtpURL = nil
        self.mailFrom = "PlanPortal <no-reply@planportal.localhost>"
        self.mailDirectory = URL(fileURLWithPath: ".data/mail", isDirectory: true)
        self.trustedProxies = TrustedProxies()
        self.rateLimitsEnabled = true
        self.outboxDelivery = true
        self.webhookDelivery = true
        self.planCacheSeconds = 60
        self.adminRateLimit = RateLimitRule(limit: 600, windowSeconds: 60)
    }

    /// Reads the variables documented in README.md; flags applied afterwards override them.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        guard let url = env["DATABASE_URL"], !url.isEmpty else {
            throw ConfigError("DATABASE_URL is not set")
        }
        var config = AppConfig(databaseURL: url)
        if let direct = env["DATABASE_DIRECT_URL"], !direct.isEmpty {
            do { _ = try DatabaseURL.configuration(from: direct) } catch let error as ConfigError {
                throw ConfigError("DATABASE_DIRECT_URL: \(error.description)")
            }
            config.databaseDirectURL = direct
        }
        if let host = env["HOST"], !host.isEmpty { config.host = host }
        if let port = env["PORT"], !port.isEmpty {
            guard let value = Int(port), (1...65535).contains(value) else { throw ConfigError("PORT must be 1-65535") }
            config.port = value
        }
        if let value = env["APP_ENV"], !value.isEmpty {
            guard let parsed = AppEnvironment(rawValue: value) else {
                throw ConfigError("APP_ENV must be one of development, test, production")
            }
            config.environment = parsed
        }
        if let value = env["LOG_LEVEL"], !value.isEmpty {
            guard let parsed = Logger.Level(rawValue: value.lowercased()) else {
                throw ConfigError("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
            }
            config.logLevel = parsed
        }
        if let value = env["LOG_FORMAT"], !value.isEmpty {
            guard let parsed = LogFormat(rawValue: value) else { throw ConfigError("LOG_FORMAT must be text or json") }
            config.logFormat = parsed
        }
        if let value = env["ASSETS_DIR"], !value.isEmpty {
            config.assetsDirectory = URL(fileURLWithPath: value, isDirectory: true)
        }
        if let value = env["DATABASE_MAX_CONNECTIONS"], !value.isEmpty {
            guard let parsed = Int(value), parsed >= 2 else { throw ConfigError("DATABASE_MAX_CONNECTIONS must be at least 2") }
            config.databaseMaxConnections = parsed
        }
        if let value = env["SMTP_URL"], !value.isEmpty {
            _ = try SMTPConfiguration(url: value)
            config.smtpURL = value
        }
        if let value = env["MAIL_FROM"], !value.isEmpty { config.mailFrom = value }
        if let value = env["MAIL_DIR"], !value.isEmpty { config.mailDirectory = URL(fileURLWithPath: value, isDirectory: true) }
        if let value = env["TRUSTED_PROXIES"], !value.isEmpty {
            guard let parsed = TrustedProxies(list: value) else { throw ConfigError("TRUSTED_PROXIES must be a comma-separated list of CIDRs") }
            config.trustedProxies = parsed
        }
        if let value = env["RATE_LIMITS"], !value.isEmpty {
            guard ["on", "off"].contains(value) else { throw ConfigError("RATE_LIMITS must be on or off") }
            config.rateLimitsEnabled = value == "on"
        }
        if let value = env["OUTBOX_DELIVERY"], !value.isEmpty {
            guard ["on", "off"].contains(value) else { throw ConfigError("OUTBOX_DELIVERY must be on or off") }
            config.outboxDelivery = value == "on"
        }
        if let value = env["WEBHOOK_DELIVERY"], !value.isEmpty {
            guard ["on", "off"].contains(value) else { throw ConfigError("WEBHOOK_DELIVERY must be on or off") }
            config.webhookDelivery = value == "on"
        }
        if let value = env["PLAN_CACHE_SECONDS"], !value.isEmpty {
            guard let parsed = Int(value), (0...3600).contains(parsed) else { throw ConfigError("PLAN_CACHE_SECONDS must be 0-3600") }
            config.planCacheSeconds = parsed
        }
        if let value = env["ADMIN_RATE_LIMIT"], !value.isEmpty {
            guard let parsed = RateLimitRule(value) else { throw ConfigError("ADMIN_RATE_LIMIT must be LIMIT/SECONDS, e.g. 600/60") }
            config.adminRateLimit = parsed
        }
        if let value = env["ADMIN_ALLOWED_ORIGINS"], !value.isEmpty {
            guard let parsed = WebOrigin.list(value) else {
                throw ConfigError("ADMIN_ALLOWED_ORIGINS must be a comma-separated list of origins such as https://admin.example.ca (http only for localhost)")
            }
            config.adminAllowedOrigins = parsed
        }
        if let value = env["HASH_CONCURRENCY"], !value.isEmpty {
            guard let parsed = Int(value), parsed >= 1 else { throw ConfigError("HASH_CONCURRENCY must be at least 1") }
            config.hashConcurrency = parsed
        }
        if let value = env["METRICS_PORT"], !value.isEmpty {
            guard let parsed = Int(value), (1...65535).contains(parsed) else { throw ConfigError("METRICS_PORT must be 1-65535") }
            config.metricsPort = parsed
        }
        if let value = env["METRICS_HOST"], !value.isEmpty { config.metricsHost = value }
        if let value = env["SECRETS_KEY"], !value.isEmpty {
            _ = try SecretBox.Key(base64: value)
            config.secretsKey = value
        }
        if let value = env["SECRETS_PREVIOUS_KEYS"], !value.isEmpty {
            for key in value.split(separator: ",") { _ = try SecretBox.Key(base64: String(key)) }
            config.previousSecretsKeys = value
        }
        if let value = env["DATABASE_ACQUIRE_TIMEOUT_MS"], !value.isEmpty {
            guard let parsed = Int(value), (100...60_000).contains(parsed) else { throw ConfigError("DATABASE_ACQUIRE_TIMEOUT_MS must be 100-60000") }
            config.databaseTimeouts.acquire = .milliseconds(parsed)
        }
        if let value = env["DATABASE_STATEMENT_TIMEOUT_MS"], !value.isEmpty {
            guard let parsed = Int(value), (100...3_600_000).contains(parsed) else { throw ConfigError("DATABASE_STATEMENT_TIMEOUT_MS must be 100-3600000") }
            config.databaseTimeouts.statement = .milliseconds(parsed)
        }
        if let value = env["SHUTDOWN_GRACE_SECONDS"], !value.isEmpty {
            guard let parsed = Int(value), (1...600).contains(parsed) else { throw ConfigError("SHUTDOWN_GRACE_SECONDS must be 1-600") }
            config.shutdownGrace = .seconds(parsed)
        }
        if let value = env["HASH_MEMORY_MIB"], !value.isEmpty {
            guard let parsed = Int(value), parsed >= 256 else { throw ConfigError("HASH_MEMORY_MIB must be at least 256 (one hash may use 256 MiB)") }
            config.hashMemoryMiB = parsed
        }
        if let value = env["UPLOAD_MEMORY_MIB"], !value.isEmpty {
            guard let parsed = Int(value), parsed >= 10 else { throw ConfigError("UPLOAD_MEMORY_MIB must be at least 10 (one receipt may be 10 MiB)") }
            config.uploadMemoryMiB = parsed
        }
        if let value = env["HTTP_IDLE_TIMEOUT_SECONDS"], !value.isEmpty {
            guard let parsed = Int(value), (1...3600).contains(parsed) else { throw ConfigError("HTTP_IDLE_TIMEOUT_SECONDS must be 1-3600") }
            config.httpIdleTimeoutSeconds = parsed
        }
        try config.checkProduction()
        return config
    }

    /// What production refuses: no SMTP server (whose TLS is then required: `smtps://`, or
    /// `smtp://` with STARTTLS, else nothing is sent), rate limits off, no `SECRETS_KEY`, a database
    /// reached over the network without `sslmode=verify-full`, `/metrics` on the public listener.
    public func checkProduction() throws {
        guard environment == .production else { return }
        if smtpURL == nil { throw ConfigError("SMTP_URL is required when APP_ENV=production") }
        if !DatabaseURL.isProtected(databaseURL) {
            throw ConfigError("APP_ENV=production needs DATABASE_URL with sslmode=verify-full unless it is a unix socket or loopback address")
        }
        if metricsPort == port { throw ConfigError("METRICS_PORT must differ from PORT: /metrics is never on the public listener in production") }
        if !rateLimitsEnabled { throw ConfigError("RATE_LIMITS=off is refused when APP_ENV=production") }
        if secretsKey == nil { throw ConfigError("SECRETS_KEY is required when APP_ENV=production") }
    }

    /// The first of: the current directory, then the executable's folder and its parents, that holds
    /// both `openapi.yaml` and `sql/`.
    public static func defaultAssetsDirectory() -> URL {
        let fm = FileManager.default
        func holdsAssets(_ url: URL) -> Bool {
            fm.fileExists(atPath: url.appendingPathComponent("openapi.yaml").path)
                && fm.fileExists(atPath: url.appendingPathComponent("sql").path)
        }
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath, isDirectory: true)
        if holdsAssets(cwd) { return cwd }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            if holdsAssets(dir) { return dir }
            dir.deleteLastPathComponent()
        }
        return cwd
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

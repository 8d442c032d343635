import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// The long-lived objects of one process, shared by the HTTP server and the CLI.
public struct AppServices: Sendable {
    public let config: AppConfig
    public let logger: Logger
    /// The request pool (replaced after an outage; see `Database`).
    public let postgres: Database
    /// Real sessions for `migrate` and `LISTEN` (`DATABASE_DIRECT_URL`); `postgres` when unset.
    public let directPostgres: Database
    public let migrator: Migrator
    public let plans: any PlanRepository
    /// This replica's plan cache, when on (`PLAN_CACHE_SECONDS`).
    public let planCache: PlanCache?
    public let adminKeys: any AdminKeyRepository
    public let audit: AuditRepository
    public let roster: any RosterRepository
    public let registrations: RegistrationRepository
    public let accounts: AccountRepository
    public let outbox: Outbox
    public let benefits: BenefitsRepository
    public let claims: ClaimRepository
    public let hasher: PasswordHasher
    public let challenge: any ChallengeVerifier
    public let limiter: RateLimiter
    public let mailTransport: any MailTransport
    public let document: OpenAPIDocument
    /// Seals plan secrets at rest (`SECRETS_KEY`).
    public let secrets: SecretBox

    public init(config: AppConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        self.secrets = try SecretBox.fromEnvironment(config.secretsEnvironment, environment: config.environment)
        (self.postgres, self.directPostgres) = try DatabasePools.make(config, logger: logger)
        let migrations = try MigrationSet.load(assets: config.assetsDirectory)
        self.migrator = Migrator(
            client: postgres, sessionClient: directPostgres, migrations: migrations,
            concurrency: min(config.migrationConcurrency, max(1, config.databaseMaxConnections - 1)), logger: logger
        )
        let registry = PostgresPlanRepository(client: postgres, migrator: migrator, secrets: secrets, logger: logger)
        if config.planCacheSeconds > 0 {
            let cache = PlanCache(ttl: .seconds(config.planCacheSeconds))
            self.planCache = cache
            self.plans = CachingPlanRepository(base: registry, cache: cache)
        } else {
            self.planCache = nil
            self.plans = registry
        }
        self.adminKeys = PostgresAdminKeyRepository(client: postgres, logger: logger)
        self.audit = AuditRepository(client: postgres, logger: logger)
        self.roster = PostgresRosterRepository(client: postgres, logger: logger)
        self.registrations = RegistrationRepository(client: postgres, logger: logger)
        self.accounts = AccountRepository(client: postgres, logger: logger)
        self.outbox = Outbox(client: postgres, logger: logger)
        self.benefits = BenefitsRepository(client: postgres, logger: logger)
        self.claims = ClaimRepository(client: postgres, logger: logger)
        self.hasher = PasswordHasher(concurrency: config.hashConcurrency, queueLimit: config.hashQueueLimit, memoryBudgetMiB: config.hashMemoryMiB)
        self.challenge = PlanChallengeVerifier(client: postgres, outbound: OutboundHTTPClient(policy: OutboundPolicy(environment: config.environment)), logger: logger)
        self.limiter = RateLimiter(client: postgres, logger: logger, enabled: config.rateLimitsEnabled)
        if let smtp = config.smtpURL {
            var smtpConfiguration = try SMTPConfiguration(url: smtp)
            smtpConfiguration.requireTLS = smtpConfiguration.requireTLS || config.environment == .production
            self.mailTransport = SMTPTransport(configuration: smtpConfiguration, from: config.mailFrom)
        } else {
            self.mailTransport = FileMailTransport(directory: config.mailDirectory, from: config.mailFrom, logger: logger)
        }
        self.document = try OpenAPIDocument.load(assets: config.assetsDirectory)
    }

    /// The pools to run as services: one, or two with `DATABASE_DIRECT_URL`.
    public var databaseServices: [Database] {
        directPostgres === postgres ? [postgres] : [postgres, directPostgres]
    }

    /// Re-seals plan secrets stored in plaintext or under an older key.
    public var secretRotation: SecretRotation { SecretRotation(client: postgres, secrets: secrets, logger: logger) }

    /// The outbox sender of this replica.
    public func deliveryService(plans: [String]? = nil) -> OutboxDeliveryService {
        OutboxDeliveryService(outbox: outbox, transport: mailTransport, logger: logger, plans: plans)
    }

    /// Runs `body` while the PostgreSQL pool runs, for CLI commands that are not the server.
    public func withRunningDatabase<T: Sendable>(_ body: @Sendable (AppServices) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for pool in databaseServices { group.addTask { try? await pool.run() } }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }
}

extension AppConfig {
    /// The HTTP/1.1 listener: idle connections are closed, and request heads are bounded (a
    /// larger head closes the connection before any handler runs).
    public var http1Configuration: HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(
            idleTimeout: .seconds(Int64(httpIdleTimeoutSeconds)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: maxHeaderBytes / 2, maxHeaderListSize: maxHeaderBytes, maxHeaderFieldCount: 100)
        )
    }
}

/// Routes of the whole API, grouped like the contract's tags.
public func buildRouter(_ services: AppServices, registry: PrometheusCollectorRegistry) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ClientAddressMiddleware(proxies: services.config.trustedProxies))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MetricsMiddleware())
    let routes = RouteTable()
    router.add(middleware: MethodNotAllowedMiddleware(table: routes))
    HealthController(migrator: services.migrator).addRoutes(to: router)
    ContractController(document: services.document).addRoutes(to: router)
    if services.config.metricsOnMainListener { MetricsController(registry: registry).addRoutes(to: router) }

    let admin = router.group("v1/admin").add(middleware: AdminAuthMiddleware(
        keys: services.adminKeys, limiter: services.limiter, rule: services.config.adminRateLimit
    ))
    AdminPlansController(
        plans: services.plans, audit: services.audit, maxBodyBytes: services.config.maxJSONBodyBytes,
        environment: services.config.environment
    ).addRoutes(to: admin)
    AdminRosterController(plans: services.plans, roster: services.roster).addRoutes(to: admin)
    AdminMembersController(plans: services.plans, accounts: services.accounts, maxBodyBytes: services.config.maxJSONBodyBytes)
        .addRoutes(to: admin)
    AdminBenefitsController(services).addRoutes(to: admin)
    AdminClaimsController(services).addRoutes(to: admin)

    let member = router.group("v1/plans/{plan}").add(middleware: HashingPlanMiddleware())
    let deps = MemberDependencies(services: services)
    MemberRegistrationController(deps).addRoutes(to: member)
    MemberSessionController(deps).addRoutes(to: member)
    MemberPasswordResetController(deps).addRoutes(to: member)
    MemberChallengeController(deps).addRoutes(to: member)
    MemberCoverageController(deps).addRoutes(to: member)
    MemberClaimsController(deps).addRoutes(to: member)
    routes.load(router.routes)
    return router
}

/// The server: router, PostgreSQL pool as a service, and migrations before the first request
/// unless `migrateOnStart` is off.
public func buildApplication(
    _ config: AppConfig,
    logger: Logger? = nil,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "planportal")
    logger.logLevel = config.logLevel
    try config.checkProduction()
    let services = try AppServices(config: config, logger: logger)
    let router = buildRouter(services, registry: registry)
    var background: [any Service] = services.databaseServices + [RateLimitSweeper(limiter: services.limiter, logger: logger)]
    if config.outboxDelivery { background.append(services.deliveryService()) }
    if let metricsPort = config.metricsPort {
        // Prometheus scrapes a listener of its own, never the public one.
        let metricsRouter = Router(context: AppRequestContext.self)
        MetricsController(registry: registry).addRoutes(to: metricsRouter)
        background.append(Application(
            router: metricsRouter,
            configuration: .init(address: .hostname(config.metricsHost, port: metricsPort), serverName: "PlanPortal-metrics"),
            logger: logger
        ))
    }
    if let cache = services.planCache { background.append(PlanChangeListener(client: services.directPostgres, cache: cache, logger: logger)) }
    var app = Application(
        router: router,
        server: .http1(configuration: config.http1Configuration),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "PlanPortal"),
        services: background,
        logger: logger
    )
    if config.migrateOnStart {
        let logger = logger
        app.beforeServerStarts {
            let report = try await services.migrator.migrate()
            logger.info("migrations checked", metadata: [
                "control_applied": "\(report.controlApplied.count)",
                "plans_migrated": "\(report.tenantApplied.count)",
                "plans": "\(report.plansChecked)",
            ])
            try await services.secretRotation.resealAll()
        }
    }
    if config.environment == .production {
        app.beforeServerStarts {
            let open = try await services.plans.list(slugs: nil).filter { $0.challenge.provider == .none }.map(\.slug)
            guard open.isEmpty else {
                throw ConfigError("APP_ENV=production refuses plans whose challenge provider is none: \(open.joined(separator: ", "))")
            }
        }
    }
    return app
}

import Foundation
import Hummingbird
import Logging
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// The long-lived objects of one process, shared by the HTTP server and the CLI.
public struct AppServices: Sendable {
    public let config: AppConfig
    public let logger: Logger
    public let postgres: PostgresClient
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

    public init(config: AppConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        var pgConfig = try DatabaseURL.configuration(from: config.databaseURL)
        pgConfig.options.maximumConnections = config.databaseMaxConnections
        self.postgres = PostgresClient(configuration: pgConfig, backgroundLogger: logger)
        let migrations = try MigrationSet.load(assets: config.assetsDirectory)
        self.migrator = Migrator(
            client: postgres, migrations: migrations,
            concurrency: min(config.migrationConcurrency, max(1, config.databaseMaxConnections - 1)), logger: logger
        )
        let registry = PostgresPlanRepository(client: postgres, migrator: migrator, logger: logger)
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
        self.hasher = PasswordHasher(concurrency: config.hashConcurrency, queueLimit: config.hashQueueLimit)
        self.challenge = PlanChallengeVerifier(client: postgres, logger: logger)
        self.limiter = RateLimiter(client: postgres, logger: logger, enabled: config.rateLimitsEnabled)
        if let smtp = config.smtpURL {
            self.mailTransport = SMTPTransport(configuration: try SMTPConfiguration(url: smtp), from: config.mailFrom)
        } else {
            self.mailTransport = FileMailTransport(directory: config.mailDirectory, from: config.mailFrom, logger: logger)
        }
        self.document = try OpenAPIDocument.load(assets: config.assetsDirectory)
    }

    /// The outbox sender of this replica.
    public func deliveryService(plans: [String]? = nil) -> OutboxDeliveryService {
        OutboxDeliveryService(outbox: outbox, transport: mailTransport, logger: logger, plans: plans)
    }

    /// Runs `body` while the PostgreSQL pool runs, for CLI commands that are not the server.
    public func withRunningDatabase<T: Sendable>(_ body: @Sendable (AppServices) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }
}

/// Routes of the whole API, grouped like the contract's tags.
public func buildRouter(_ services: AppServices, registry: PrometheusCollectorRegistry) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ClientAddressMiddleware(proxies: services.config.trustedProxies))
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MetricsMiddleware())
    let routes = RouteTable()
    router.add(middleware: MethodNotAllowedMiddleware(table: routes))
    HealthController(migrator: services.migrator).addRoutes(to: router)
    ContractController(document: services.document).addRoutes(to: router)
    MetricsController(registry: registry).addRoutes(to: router)

    let admin = router.group("v1/admin").add(middleware: AdminAuthMiddleware(
        keys: services.adminKeys, limiter: services.limiter, rule: services.config.adminRateLimit
    ))
    let adminPlan = admin.group("plans/{plan}").add(middleware: AdminPlanMiddleware(plans: services.plans))
        .group(context: AdminPlanRequestContext.self)
    let maxBodyBytes = services.config.maxJSONBodyBytes
    AdminPlansController(plans: services.plans, audit: services.audit, maxBodyBytes: maxBodyBytes, environment: services.config.environment)
        .addRoutes(to: admin, plan: adminPlan)
    AdminRosterController(roster: services.roster).addRoutes(to: adminPlan)
    AdminMembersController(accounts: services.accounts).addRoutes(to: adminPlan)
    AdminBenefitsController(benefits: services.benefits, maxBodyBytes: maxBodyBytes).addRoutes(to: adminPlan)
    AdminClaimsController(claims: services.claims, maxBodyBytes: maxBodyBytes).addRoutes(to: adminPlan)

    // Member routes: the plan resolved once for all; a member's own routes also need a session.
    let plan = router.group("v1/plans/{plan}").add(middleware: PlanMiddleware(plans: services.plans))
        .group(context: PlanRequestContext.self)
    let member = router.group("v1/plans/{plan}").add(middleware: PlanMiddleware(plans: services.plans))
        .add(middleware: MemberSessionMiddleware(accounts: services.accounts))
        .group(context: MemberRequestContext.self)
    let deps = MemberDependencies(services: services)
    MemberRegistrationController(deps).addRoutes(to: plan)
    MemberSessionController(deps).addRoutes(to: plan, member: member)
    MemberPasswordResetController(deps).addRoutes(to: plan)
    MemberChallengeController(deps).addRoutes(to: plan)
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
    var background: [any Service] = [services.postgres, RateLimitSweeper(limiter: services.limiter, logger: logger)]
    if config.outboxDelivery { background.append(services.deliveryService()) }
    if let cache = services.planCache { background.append(PlanChangeListener(client: services.postgres, cache: cache, logger: logger)) }
    var app = Application(
        router: router,
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
        }
    }
    if config.environment == .production {
        app.beforeServerStarts {
            let open = try await services.plans.list(slugs: nil).filter { $0.challenge.provider == .none }.map(\.slug.value)
            guard open.isEmpty else {
                throw ConfigError("APP_ENV=production refuses plans whose challenge provider is none: \(open.joined(separator: ", "))")
            }
        }
    }
    return app
}

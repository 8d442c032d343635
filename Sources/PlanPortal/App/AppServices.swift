import Foundation
import Logging
import Metrics
import PostgresNIO

/// The long-lived objects of one process, shared by the HTTP server and the CLI: the database
/// pool, the repositories (each built once, sharing one `AuditRepository` and one `Outbox`), and
/// the member operations every presentation calls.
struct AppServices: Sendable {
    let config: AppConfig
    let logger: Logger
    /// The request pool (replaced after an outage; see `Database`).
    let postgres: Database
    /// Real sessions for `migrate` and `LISTEN` (`DATABASE_DIRECT_URL`); `postgres` when unset.
    let directPostgres: Database
    let migrator: Migrator
    let plans: any PlanRepository
    /// This replica's plan cache, when on (`PLAN_CACHE_SECONDS`).
    let planCache: PlanCache?
    let adminKeys: AdminKeyRepository
    let audit: AuditRepository
    let outbox: Outbox
    /// Webhook events, written with the changes that cause them (`webhooks.enqueue`).
    let webhookOutbox: WebhookOutbox
    let webhooks: WebhookRepository
    /// Calls to URLs admins set (challenge `verifyUrl`, webhooks): `OutboundPolicy` applied.
    let outbound: OutboundHTTPClient
    let roster: RosterRepository
    let terms: TermsRepository
    /// Sessions and device tokens; `revokeAll` ends every one of an account.
    let sessionRepository: SessionRepository
    /// Sessions this replica verified in the last seconds (answers only while `ChangeListener` listens).
    let sessionCache: SessionCache
    let members: MemberSupportOperations
    let benefits: BenefitsRepository
    let claims: ClaimRepository
    let hasher: PasswordHasher
    let challenge: ChallengeVerifier
    let limiter: RateLimiter
    let mailTransport: any MailTransport
    let document: OpenAPIDocument
    /// Seals plan secrets at rest (`SECRETS_KEY`).
    let secrets: SecretBox
    /// The member portal's templates and static files (`portal/`), nil when the assets have none.
    let portal: PortalAssets?

    // The member operations: every rule (limits, challenges, audit, e-mail) is applied in them, so
    // the JSON API and any other presentation behave the same.
    let registration: RegistrationOperations
    let sessions: SessionOperations
    let passwordResets: PasswordResetOperations
    let coverage: CoverageOperations
    let memberClaims: MemberClaimOperations
    let accounts: AccountOperations
    /// The plan's logo (stored by the admin API, served to the API's clients and the portal's pages).
    let branding: BrandingOperations
    /// The member's family and enrolment requests.
    let dependants: DependantOperations
    /// The dependants file and the TPA's enrolment decisions.
    let adminDependants: AdminDependantOperations

    init(config: AppConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let secrets = try SecretBox.fromEnvironment(config.secretsEnvironment, environment: config.environment)
        self.secrets = secrets
        let (postgres, directPostgres) = try DatabasePools.make(config, logger: logger)
        (self.postgres, self.directPostgres) = (postgres, directPostgres)
        let migrations = try MigrationSet.load(assets: config.assetsDirectory)
        self.migrator = Migrator(
            client: postgres, sessionClient: directPostgres, migrations: migrations,
            concurrency: min(config.migrationConcurrency, max(1, config.databaseMaxConnections - 1)), logger: logger
        )
        let audit = AuditRepository(client: postgres, logger: logger)
        let outbox = Outbox(client: postgres, audit: audit, logger: logger)
        let webhookOutbox = WebhookOutbox(client: postgres, audit: audit, logger: logger)
        (self.audit, self.outbox, self.webhookOutbox) = (audit, outbox, webhookOutbox)
        self.webhooks = WebhookRepository(client: postgres, outbox: webhookOutbox, secrets: secrets, audit: audit, logger: logger)
        let outbound = OutboundHTTPClient(policy: OutboundPolicy(environment: config.environment))
        self.outbound = outbound
        let registry = PostgresPlanRepository(client: postgres, migrator: migrator, secrets: secrets, audit: audit, logger: logger)
        if config.planCacheSeconds > 0 {
            let cache = PlanCache(ttl: .seconds(config.planCacheSeconds))
            self.planCache = cache
            self.plans = CachingPlanRepository(base: registry, cache: cache)
        } else {
            self.planCache = nil
            self.plans = registry
        }
        self.adminKeys = AdminKeyRepository(client: postgres, logger: logger)
        let roster = RosterRepository(client: postgres, audit: audit, webhooks: webhookOutbox, logger: logger)
        self.roster = roster
        self.terms = TermsRepository(client: postgres, audit: audit, logger: logger)
        let dependantRepository = DependantRepository(client: postgres, roster: roster, logger: logger)
        let benefits = BenefitsRepository(client: postgres, audit: audit, dependants: dependantRepository, logger: logger)
        self.benefits = benefits
        let claims = ClaimRepository(client: postgres, benefits: benefits, audit: audit, outbox: outbox, webhooks: webhookOutbox, logger: logger)
        self.claims = claims
        let hasher = PasswordHasher(concurrency: config.hashConcurrency, queueLimit: config.hashQueueLimit, memoryBudgetMiB: config.hashMemoryMiB)
        let challenge = ChallengeVerifier(client: postgres, outbound: outbound, logger: logger)
        let limiter = RateLimiter(client: postgres, logger: logger, enabled: config.rateLimitsEnabled)
        (self.hasher, self.challenge, self.limiter) = (hasher, challenge, limiter)
        if let smtp = config.smtpURL {
            var smtpConfiguration = try SMTPConfiguration(url: smtp)
            smtpConfiguration.requireTLS = smtpConfiguration.requireTLS || config.environment == .production
            self.mailTransport = SMTPTransport(configuration: smtpConfiguration, from: config.mailFrom)
        } else {
            self.mailTransport = FileMailTransport(directory: config.mailDirectory, from: config.mailFrom, logger: logger)
        }
        self.document = try OpenAPIDocument.load(assets: config.assetsDirectory)
        self.portal = try PortalAssets.load(assets: config.assetsDirectory)

        let sessionCache = SessionCache()
        self.sessionCache = sessionCache
        let sessionRepository = SessionRepository(client: postgres, audit: audit, cache: sessionCache, logger: logger)
        self.sessionRepository = sessionRepository
        self.members = MemberSupportOperations(
            members: MemberSupportRepository(
                client: postgres, audit: audit, sessions: sessionRepository, webhooks: webhookOutbox, dependants: dependantRepository, logger: logger
            )
        )
        self.registration = RegistrationOperations(
            registrations: RegistrationRepository(client: postgres, audit: audit, outbox: outbox, webhooks: webhookOutbox, logger: logger),
            limiter: limiter, challenge: challenge, hasher: hasher
        )
        self.sessions = SessionOperations(
            sessions: sessionRepository, terms: terms, audit: audit, limiter: limiter, challenge: challenge, hasher: hasher, logger: logger
        )
        self.accounts = AccountOperations(
            accounts: AccountRepository(client: postgres, sessions: sessionRepository, audit: audit, outbox: outbox, logger: logger),
            sessions: sessionRepository, limiter: limiter, hasher: hasher
        )
        self.passwordResets = PasswordResetOperations(
            resets: PasswordResetRepository(client: postgres, audit: audit, outbox: outbox, sessions: sessionRepository, logger: logger),
            limiter: limiter, challenge: challenge, hasher: hasher
        )
        self.coverage = CoverageOperations(benefits: benefits)
        let uploads = UploadBudget(capacityBytes: config.uploadMemoryMiB * 1024 * 1024)
        self.memberClaims = MemberClaimOperations(claims: claims, uploads: uploads)
        let requests = DependantRequestRepository(client: postgres, audit: audit, outbox: outbox, webhooks: webhookOutbox, logger: logger)
        self.dependants = DependantOperations(dependants: dependantRepository, requests: requests, uploads: uploads)
        self.adminDependants = AdminDependantOperations(dependants: dependantRepository, requests: requests)
        self.branding = BrandingOperations(logos: BrandingRepository(client: postgres, audit: audit, planCache: planCache, logger: logger))
    }

    /// The pools to run as services: one, or two with `DATABASE_DIRECT_URL`.
    var databaseServices: [Database] {
        directPostgres === postgres ? [postgres] : [postgres, directPostgres]
    }

    /// Re-seals plan secrets stored in plaintext or under an older key.
    var secretRotation: SecretRotation { SecretRotation(client: postgres, secrets: secrets, logger: logger) }

    /// The outbox sender of this replica.
    func deliveryService(plans: [String]? = nil) -> OutboxDeliveryService {
        OutboxDeliveryService(outbox: outbox, transport: mailTransport, logger: logger, plans: plans)
    }

    /// The webhook sender of this replica.
    func webhookDeliveryService(
        plans: [String]? = nil, limits: WebhookOutbox.Limits = .init(), metrics: any MetricsFactory = MetricsSystem.factory
    ) -> WebhookDeliveryService {
        WebhookDeliveryService(
            outbox: webhookOutbox, http: OutboundHTTPClient(policy: outbound.policy, retriesConnecting: false), secrets: secrets, logger: logger,
            limits: limits, plans: plans, metrics: metrics
        )
    }

    /// Runs `body` while the PostgreSQL pool runs, for CLI commands that are not the server. The
    /// pools start before `body` does (immediate tasks run up to their first suspension at once).
    func withRunningDatabase<T: Sendable>(_ body: @Sendable (AppServices) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for pool in databaseServices { group.addImmediateTask { try? await pool.run() } }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import PostgresNIO
import Prometheus
import ServiceLifecycle

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
    if config.webhookDelivery { background.append(services.webhookDeliveryService()) }
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
    // One LISTEN connection for the caches of this replica (verified sessions, plans). The plans'
    // LISTEN goes last: it stays the statement `pg_stat_activity` shows for that session, as before.
    let subscriptions = [services.sessionCache.subscription, services.planCache?.subscription].compactMap { $0 }
    background.append(ChangeListener(client: services.directPostgres, subscriptions: subscriptions, logger: logger))
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
            let open = try await services.plans.list(slugs: nil).filter { $0.challenge.provider == .none }.map(\.slug.value)
            guard open.isEmpty else {
                throw ConfigError("APP_ENV=production refuses plans whose challenge provider is none: \(open.joined(separator: ", "))")
            }
        }
    }
    return app
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

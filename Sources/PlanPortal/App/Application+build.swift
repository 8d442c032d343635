import Foundation
import Hummingbird
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

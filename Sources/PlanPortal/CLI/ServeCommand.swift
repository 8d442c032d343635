import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `planportal serve`: runs the API (migrating first unless `--no-migrate`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP API.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to listen on (env HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env PORT, default 8080).")
    var port: Int?

    @Option(name: .customLong("env"), help: "development|test|production (env APP_ENV).")
    var environment: String?

    @Flag(name: .customLong("no-migrate"), help: "Do not apply migrations before serving.")
    var noMigrate = false

    func run() async throws {
        try await reportingProblems {
            var config = try common.config()
            if let host { config.host = host }
            if let port { config.port = port }
            if let environment {
                guard let parsed = AppEnvironment(rawValue: environment) else {
                    throw ConfigError("--env must be development, test or production")
                }
                config.environment = parsed
            }
            if noMigrate { config.migrateOnStart = false }
            LoggingSetup.bootstrap(format: config.logFormat, level: config.logLevel)
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            var logger = Logger(label: "planportal")
            logger.logLevel = config.logLevel
            let app = try buildApplication(config, logger: logger, registry: registry)
            // Graceful shutdown is bounded: a request stuck on a dependency cannot keep a replica
            // (and its rollout) alive past its orchestrator's grace period.
            var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            group.maximumGracefulShutdownDuration = config.shutdownGrace
            try await ServiceGroup(configuration: group).run()
        }
    }
}

/// `planportal migrate`: brings the control schema and every plan schema up to date.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending SQL migrations.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await reportingProblems {
            let services = try common.servicesForCommand()
            let report = try await services.withRunningDatabase { try await $0.migrator.migrate() }
            let tenantFiles = report.tenantApplied.values.reduce(0) { $0 + $1.count }
            let distributed = report.distributed.isEmpty ? "" : "; \(report.distributed.count) distributed over the Citus workers"
            print("control: \(report.controlApplied.count) applied; plans: \(report.plansChecked) checked, \(report.tenantApplied.count) migrated (\(tenantFiles) files)\(distributed)")
        }
    }
}

import ArgumentParser
import Foundation
import Logging

/// `planportal`: the server and its operator commands.
public struct PlanPortalCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "planportal",
        abstract: "Multi-tenant participant-portal API for group health plans.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, PlansCommand.self, AdminKeysCommand.self, RosterCommand.self,
            HealthcheckCommand.self, SecretsCommand.self,
        ]
    )

    public init() {}

    /// Parses the arguments and runs the chosen subcommand, awaiting the asynchronous ones.
    public static func runMain(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Options every command shares; each overrides its environment variable.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (env DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("assets-dir"), help: "Folder holding openapi.yaml and sql/ (env ASSETS_DIR).")
    var assetsDirectory: String?

    @Option(name: .customLong("log-level"), help: "trace|debug|info|notice|warning|error|critical (env LOG_LEVEL).")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text|json (env LOG_FORMAT).")
    var logFormat: String?

    /// Environment first, then these flags.
    func config() throws -> AppConfig {
        var env = ProcessInfo.processInfo.environment
        if let databaseURL { env["DATABASE_URL"] = databaseURL }
        if let assetsDirectory { env["ASSETS_DIR"] = assetsDirectory }
        if let logLevel { env["LOG_LEVEL"] = logLevel }
        if let logFormat { env["LOG_FORMAT"] = logFormat }
        return try AppConfig.fromEnvironment(env)
    }

    /// Config and logging for a one-shot command (errors only unless LOG_LEVEL says otherwise).
    func servicesForCommand() throws -> AppServices {
        var config = try self.config()
        if logLevel == nil, ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil { config.logLevel = .error }
        // An operator command may run long statements (imports, migrations of many plans).
        if ProcessInfo.processInfo.environment["DATABASE_STATEMENT_TIMEOUT_MS"] == nil { config.databaseTimeouts.statement = .seconds(3600) }
        LoggingSetup.bootstrap(format: config.logFormat, level: config.logLevel)
        var logger = Logger(label: "planportal")
        logger.logLevel = config.logLevel
        return try AppServices(config: config, logger: logger)
    }
}

/// Prints a problem's bilingual text and field errors to stderr and exits 1.
func reportingProblems<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let problem as Problem {
        var text = "error: \(problem.code): \(problem.detail.en)\n"
        for error in problem.errors {
            let place = error.line.map { "line \($0): " } ?? ""
            text += "  \(place)\(error.field): \(error.rule) (\(error.message.en))\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
        throw ExitCode.failure
    } catch let error as ConfigError {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode.failure
    }
}

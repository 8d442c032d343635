import Logging
import PostgresNIO

/// The PostgreSQL pools of one process. `DATABASE_URL` may point at a transaction-mode pooler
/// (PgBouncer), which gives each transaction whatever server connection is free: fine for
/// requests, which keep no session state. What needs one real session — `migrate` holding its
/// advisory lock across transactions, and `LISTEN` — uses `DATABASE_DIRECT_URL` when it is set.
/// Both are `Database` pools: bounded waits, 503 while PostgreSQL is unreachable, quick recovery.
public enum DatabasePools {
    /// The request pool and the session pool (the same pool when no direct URL is set).
    static func make(_ config: AppConfig, logger: Logger) throws -> (requests: Database, sessions: Database) {
        let requests = try pool(config.databaseURL, connections: config.databaseMaxConnections, config: config, logger: logger)
        guard let direct = config.databaseDirectURL, direct != config.databaseURL else { return (requests, requests) }
        // The migration lock, the plan schemas migrated at once, and the LISTEN connection.
        let sessions = try pool(direct, connections: config.migrationConcurrency + 2, config: config, logger: logger)
        return (requests, sessions)
    }

    private static func pool(_ url: String, connections: Int, config: AppConfig, logger: Logger) throws -> Database {
        var configuration = try DatabaseURL.configuration(from: url)
        configuration.options.maximumConnections = connections
        configuration.options.connectTimeout = .seconds(3)
        return Database(configuration: configuration, timeouts: config.databaseTimeouts, logger: logger)
    }
}

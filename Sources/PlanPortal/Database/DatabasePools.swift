import Logging
import PostgresNIO

/// The PostgreSQL pools of one process. `DATABASE_URL` may point at a transaction-mode pooler
/// (PgBouncer), which gives each transaction whatever server connection is free: fine for
/// requests, which keep no session state. What needs one real session — `migrate` holding its
/// advisory lock across transactions, and `LISTEN` — uses `DATABASE_DIRECT_URL` when it is set.
public enum DatabasePools {
    /// The request pool and the session pool (the same client when no direct URL is set).
    static func make(_ config: AppConfig, logger: Logger) throws -> (requests: PostgresClient, sessions: PostgresClient) {
        var requestConfig = try DatabaseURL.configuration(from: config.databaseURL)
        requestConfig.options.maximumConnections = config.databaseMaxConnections
        let requests = PostgresClient(configuration: requestConfig, backgroundLogger: logger)
        guard let direct = config.databaseDirectURL, direct != config.databaseURL else { return (requests, requests) }
        var sessionConfig = try DatabaseURL.configuration(from: direct)
        // The migration lock, the plan schemas migrated at once, and the LISTEN connection.
        sessionConfig.options.maximumConnections = config.migrationConcurrency + 2
        return (requests, PostgresClient(configuration: sessionConfig, backgroundLogger: logger))
    }
}

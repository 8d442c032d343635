import Foundation
import Logging
import PostgresNIO

/// Applies `sql/control` to the `control` schema and `sql/tenant` to every plan schema.
///
/// - Every file runs in its own transaction together with the row recording it in
///   `control.schema_migrations`, so a failure leaves nothing half-applied.
/// - A session advisory lock serialises `migrate` runs of every replica; plan creation takes the
///   same lock in shared mode, so a plan is never created halfway through a migration.
/// - Plan schemas are migrated in parallel, at most `concurrency` at a time.
public struct Migrator: Sendable {
    /// `pg_advisory_lock` key: the bytes of "planport".
    static let lockKey: Int64 = 0x706C_616E_706F_7274
    static let controlSchema = "control"

    /// Request pool: readiness (`pendingCount`).
    public let client: Database
    /// Real sessions (`DATABASE_DIRECT_URL`): the advisory lock and the migrations it covers.
    public let sessionClient: Database
    public let migrations: MigrationSet
    public let concurrency: Int
    public let logger: Logger

    /// `sessionClient` must reach PostgreSQL itself, never a transaction-mode pooler: the
    /// migration lock is a session advisory lock (`AppServices.directPostgres`).
    public init(
        client: Database, sessionClient: Database, migrations: MigrationSet, concurrency: Int = 4,
        logger: Logger
    ) {
        self.client = client
        self.sessionClient = sessionClient
        self.migrations = migrations
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    /// What one run did.
    public struct Report: Sendable, Equatable {
        public var controlApplied: [String] = []
        /// Schema name → versions applied to it by this run.
        public var tenantApplied: [String: [String]] = [:]
        public var plansChecked = 0
        /// Plan schemas this run made distributed schemas (Citus coordinator only).
        public var distributed: [String] = []

        public var isEmpty: Bool { controlApplied.isEmpty && tenantApplied.isEmpty }
    }

    /// Brings the control schema and every plan schema up to date; a no-op when they are.
    @discardableResult
    public func migrate() async throws -> Report {
        try await sessionClient.withConnection { lockConnection in
            try await lockConnection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                // The lock session stays leased while other sessions of the pool migrate.
                let report = try await Database.allowingNestedLeases { try await migrateLocked(on: lockConnection) }
                try await lockConnection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return report
            } catch {
                _ = try? await lockConnection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                throw error
            }
        }
    }

    private func migrateLocked(on connection: PostgresConnection) async throws -> Report {
        var report = Report()
        try await connection.withTransaction(logger: logger) { tx in
            try await Citus.controlSchemaSettings(on: tx, logger: logger)
            try await tx.query("CREATE SCHEMA IF NOT EXISTS control", logger: logger)
        }
        try await Citus.keepControlOnCoordinator(on: connection, logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS control.schema_migrations (
                schema_name text NOT NULL,
                version text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (schema_name, version)
            )
            """,
            logger: logger
        )
        let controlDone = try await appliedVersions(schema: Self.controlSchema, on: connection)
        for migration in migrations.control {
            if let checksum = controlDone[migration.version] {
                try checkUnchanged(migration, recorded: checksum, schema: Self.controlSchema)
                continue
            }
            try await connection.withTransaction(logger: logger) { tx in
                try await apply(migration, schemaName: Self.controlSchema, on: tx)
            }
            report.controlApplied.append(migration.version)
            logger.info("migration applied", metadata: ["schema": "control", "version": "\(migration.version)"])
        }

        let plans = try await tenantStates(on: connection)
        report.plansChecked = plans.count
        var pending: [(PlanSlug, [Migration])] = []
        for (slug, applied) in plans {
            var todo: [Migration] = []
            for migration in migrations.tenant {
                if let checksum = applied[migration.version] {
                    try checkUnchanged(migration, recorded: checksum, schema: slug.schemaName)
                } else {
                    todo.append(migration)
                }
            }
            if !todo.isEmpty { pending.append((slug, todo)) }
        }
        if !pending.isEmpty { report.tenantApplied = try await migrateTenants(pending) }
        report.distributed = try await Citus.distributeLocalPlanSchemas(sessionClient, logger: logger)
        return report
    }

    /// Applies each plan's pending tenant migrations, `concurrency` plans at a time.
    private func migrateTenants(_ pending: [(PlanSlug, [Migration])]) async throws -> [String: [String]] {
        var applied: [String: [String]] = [:]
        try await withThrowingTaskGroup(of: (String, [String]).self) { group in
            var iterator = pending.makeIterator()
            func addNext() {
                guard let (slug, todo) = iterator.next() else { return }
                group.addTask {
                    var done: [String] = []
                    for migration in todo {
                        try await sessionClient.withTransaction(logger: logger) { tx in
                            try await Citus.planSchemaSettings(on: tx, logger: logger)
                            try await tx.query("CREATE SCHEMA IF NOT EXISTS \(schema: slug)", logger: logger)
                            try await apply(migration, schemaName: slug.schemaName, on: tx)
                        }
                        done.append(migration.version)
                    }
                    return (slug.schemaName, done)
                }
            }
            for _ in 0..<concurrency { addNext() }
            while let (schema, done) = try await group.next() {
                applied[schema] = done
                logger.info("plan schema migrated", metadata: ["schema": "\(schema)", "versions": "\(done.joined(separator: ","))"])
                addNext()
            }
        }
        return applied
    }

    /// Runs every tenant migration on a new plan schema inside the caller's transaction.
    /// The caller holds the shared advisory lock (see `PostgresPlanRepository.create`).
    func createTenantSchema(_ slug: PlanSlug, on tx: PostgresConnection) async throws {
        try await Citus.planSchemaSettings(on: tx, logger: logger)
        try await tx.query("CREATE SCHEMA \(schema: slug)", logger: logger)
        for migration in migrations.tenant {
            try await apply(migration, schemaName: slug.schemaName, on: tx)
        }
        try await Citus.distributePlanSchema(slug, on: tx, logger: logger)
    }

    /// Takes the migration lock in shared mode for the rest of the caller's transaction.
    static func lockShared(on tx: PostgresConnection, logger: Logger) async throws {
        try await tx.query("SELECT pg_advisory_xact_lock_shared(\(lockKey))", logger: logger)
    }

    /// Number of migrations not yet applied, over the control schema and all plan schemas.
    public func pendingCount() async throws -> Int {
        let controlVersions = migrations.control.map(\.version)
        let tenantVersions = migrations.tenant.map(\.version)
        let rows = try await client.query(
            """
            SELECT
              (SELECT count(*) FROM unnest(\(controlVersions)::text[]) AS v(version)
                WHERE NOT EXISTS (SELECT 1 FROM control.schema_migrations m
                                  WHERE m.schema_name = 'control' AND m.version = v.version))
              +
              (SELECT count(*) FROM control.plans p CROSS JOIN unnest(\(tenantVersions)::text[]) AS v(version)
                WHERE NOT EXISTS (SELECT 1 FROM control.schema_migrations m
                                  WHERE m.schema_name = p.schema_name AND m.version = v.version))
            """,
            logger: logger
        )
        return try await rows.decode(Int.self).one() ?? 0
    }

    private func apply(_ migration: Migration, schemaName: String, on tx: PostgresConnection) async throws {
        // pg_temp named last, so no temporary table can shadow a plan table, here or in the
        // functions that keep this path (`SET search_path FROM CURRENT`).
        let searchPath = "\"\(schemaName)\", pg_temp"
        try await tx.query("SELECT set_config('search_path', \(searchPath), true)", logger: logger)
        for statement in SQLScript.statements(migration.sql) {
            try await tx.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
        try await tx.query(
            """
            INSERT INTO control.schema_migrations (schema_name, version, checksum)
            VALUES (\(schemaName), \(migration.version), \(migration.checksum))
            """,
            logger: logger
        )
    }

    private func appliedVersions(schema: String, on connection: PostgresConnection) async throws -> [String: String] {
        var result: [String: String] = [:]
        let rows = try await connection.query(
            "SELECT version, checksum FROM control.schema_migrations WHERE schema_name = \(schema)",
            logger: logger
        )
        for try await (version, checksum) in rows.decode((String, String).self) { result[version] = checksum }
        return result
    }

    /// Every plan with the versions (and checksums) its schema has, in one query.
    private func tenantStates(on connection: PostgresConnection) async throws -> [(PlanSlug, [String: String])] {
        let rows = try await connection.query(
            """
            SELECT p.slug,
                   coalesce(array_agg(m.version ORDER BY m.version) FILTER (WHERE m.version IS NOT NULL), '{}'),
                   coalesce(array_agg(m.checksum ORDER BY m.version) FILTER (WHERE m.version IS NOT NULL), '{}')
            FROM control.plans p
            LEFT JOIN control.schema_migrations m ON m.schema_name = p.schema_name
            GROUP BY p.slug
            ORDER BY p.slug
            """,
            logger: logger
        )
        var result: [(PlanSlug, [String: String])] = []
        for try await (slug, versions, checksums) in rows.decode((String, [String], [String]).self) {
            guard let planSlug = PlanSlug(slug) else { continue }
            result.append((planSlug, Dictionary(zip(versions, checksums), uniquingKeysWith: { first, _ in first })))
        }
        return result
    }

    private func checkUnchanged(_ migration: Migration, recorded: String, schema: String) throws {
        guard recorded == migration.checksum else {
            throw ConfigError("migration \(migration.version) was edited after it was applied to \(schema); add a new file instead")
        }
    }
}

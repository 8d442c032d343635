import Logging
import PostgresNIO

/// PlanPortal on a Citus cluster (schema-based sharding, Citus 12+): every plan schema is a
/// distributed schema, whose tables live together on one worker and move together; `control`
/// stays a plain schema on the coordinator. A plan schema is created and migrated as on any
/// PostgreSQL, then handed to Citus in the same transaction (`citus_schema_distribute`), so the
/// tenant migrations need not be written for Citus' DDL rules (see deploy/citus/README.md).
enum Citus {
    /// Transaction-local settings before creating or migrating a plan schema: it is created as a
    /// plain schema even where the operator turned schema-based sharding on for the database
    /// (it is distributed once complete), and the audit table's append-only triggers are allowed
    /// on distributed tables (they read no other table). Inert placeholders without Citus.
    static func planSchemaSettings(on tx: PostgresConnection, logger: Logger) async throws {
        try await tx.query(
            """
            SELECT set_config('citus.enable_schema_based_sharding', 'off', true),
                   set_config('citus.enable_unsafe_triggers', 'on', true)
            """,
            logger: logger
        )
    }

    /// Before creating `control`: it stays local to the coordinator even where the operator turned
    /// schema-based sharding on for the whole database.
    static func controlSchemaSettings(on tx: PostgresConnection, logger: Logger) async throws {
        try await tx.query("SELECT set_config('citus.enable_schema_based_sharding', 'off', true)", logger: logger)
    }

    /// Whether this database is a Citus coordinator with schema-based sharding (Citus 12+).
    static func isCoordinator(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let installed = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')
               AND to_regclass('pg_catalog.pg_dist_schema') IS NOT NULL
            """,
            logger: logger
        )
        var citus = false
        for try await value in installed.decode(Bool.self) { citus = value }
        guard citus else { return false }
        let role = try await connection.query("SELECT citus_is_coordinator()", logger: logger)
        for try await value in role.decode(Bool.self) { return value }
        return false
    }

    /// Makes a freshly created and migrated plan schema a distributed schema, inside the caller's
    /// transaction: Citus places its tables together on a worker. Nothing happens without Citus.
    static func distributePlanSchema(_ slug: PlanSlug, on tx: PostgresConnection, logger: Logger) async throws {
        guard try await isCoordinator(on: tx, logger: logger) else { return }
        try await tx.query("SELECT citus_schema_distribute(\(slug.schemaName)::regnamespace)", logger: logger)
    }

    /// On a coordinator, distributes the plan schemas that are still plain schemas — plans created
    /// before Citus was installed, or restored from a single PostgreSQL — each in its own
    /// transaction (which copies that plan's rows to its worker). Returns their schema names.
    static func distributeLocalPlanSchemas(_ client: Database, logger: Logger) async throws -> [String] {
        try await client.withConnection { connection in
            guard try await isCoordinator(on: connection, logger: logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT p.slug FROM control.plans p
                JOIN pg_catalog.pg_namespace n ON n.nspname = p.schema_name
                WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_schema d WHERE d.schemaid = n.oid)
                ORDER BY p.slug
                """,
                logger: logger
            )
            var local: [PlanSlug] = []
            for try await slug in rows.decode(String.self) { if let parsed = PlanSlug(slug) { local.append(parsed) } }
            for slug in local {
                try await connection.withTransaction(logger: logger) { tx in
                    try await planSchemaSettings(on: tx, logger: logger)
                    try await tx.query("SELECT citus_schema_distribute(\(slug.schemaName)::regnamespace)", logger: logger)
                }
                logger.notice("plan schema distributed", metadata: ["schema": "\(slug.schemaName)"])
            }
            return local.map(\.schemaName)
        }
    }

    /// A `migrate` older than this code, run with schema-based sharding on, left `control` a
    /// distributed schema (and stopped at its first volatile UPDATE): bring it back to the
    /// coordinator. Nothing happens without Citus.
    static func keepControlOnCoordinator(on connection: PostgresConnection, logger: Logger) async throws {
        guard try await isCoordinator(on: connection, logger: logger) else { return }
        let undistributed = try await connection.query(
            """
            SELECT citus_schema_undistribute('control'::regnamespace)
            FROM pg_catalog.pg_dist_schema WHERE schemaid = 'control'::regnamespace
            """,
            logger: logger
        )
        for try await _ in undistributed {
            logger.notice("control schema moved back to the Citus coordinator")
        }
    }
}

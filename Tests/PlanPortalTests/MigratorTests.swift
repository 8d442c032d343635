import Foundation
import PostgresNIO
import Testing

@testable import PlanPortal

@Suite struct MigratorTests {
    @Test func secondRunDoesNothingAfterPlanCreation() async throws {
        try await TestEnvironment.withServices { services in
            let slug = try PlanSlug.parse(TestEnvironment.uniqueSlug("mig"))
            let input = try PlanCreateInput(
                slug: slug.value, nameFr: "Régime", nameEn: "Plan", emailDomains: ["example.ca"],
                portalUrl: "https://portal.example.ca"
            ).validated()
            _ = try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
            let report = try await services.migrator.migrate()
            #expect(report.controlApplied.isEmpty)
            #expect(report.tenantApplied[slug.schemaName] == nil, "a plan created through the API is already migrated")
            let recorded = try await services.postgres.query(
                "SELECT count(*) FROM control.schema_migrations WHERE schema_name = \(slug.schemaName)"
            )
            for try await count in recorded.decode(Int.self) {
                #expect(count == services.migrator.migrations.tenant.count)
            }
            try #expect(await services.migrator.pendingCount() == 0)
        }
    }

    @Test func migratesPlansRegisteredWithoutSchemaOnceEvenWhenTwoRunsRace() async throws {
        try await TestEnvironment.withServices(maxConnections: 12) { services in
            let slugs = try (0..<6).map { _ in try PlanSlug.parse(TestEnvironment.uniqueSlug("bulk")) }
            for slug in slugs {
                try await services.postgres.query(
                    """
                    INSERT INTO control.plans (slug, schema_name, name_fr, name_en, email_domains, portal_url)
                    VALUES (\(slug.value), \(slug.schemaName), 'R', 'P', ARRAY['example.ca'], 'https://portal.example.ca')
                    """
                )
            }
            async let first = services.migrator.migrate()
            async let second = services.migrator.migrate()
            let reports = try await [first, second]
            for slug in slugs {
                let appliedBy = reports.filter { $0.tenantApplied[slug.schemaName] != nil }
                #expect(appliedBy.count <= 1, "\(slug) never migrated by both runs")
                let rows = try await services.postgres.query(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = \(slug.schemaName) AND table_name = 'audit_events'"
                )
                for try await count in rows.decode(Int.self) { #expect(count == 1) }
            }
        }
    }

    @Test func refusesAnAppliedMigrationThatWasEdited() async throws {
        try await TestEnvironment.withServices { services in
            let slug = TestEnvironment.uniqueSlug("edit")
            let input = try PlanCreateInput(
                slug: slug, nameFr: "R", nameEn: "P", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca"
            ).validated()
            _ = try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
            let original = services.migrator.migrations
            let edited = original.tenant.map { Migration(version: $0.version, sql: $0.sql + "\n-- edited\n") }
            let migrator = Migrator(
                client: services.postgres, sessionClient: services.directPostgres,
                migrations: MigrationSet(control: original.control, tenant: edited),
                logger: TestEnvironment.logger
            )
            await #expect(throws: ConfigError.self) { try await migrator.migrate() }
        }
    }

    @Test func auditTrailIsAppendOnly() async throws {
        try await TestEnvironment.withServices { services in
            let slug = try PlanSlug.parse(TestEnvironment.uniqueSlug("audit"))
            let input = try PlanCreateInput(
                slug: slug.value, nameFr: "R", nameEn: "P", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca"
            ).validated()
            _ = try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
            await #expect(throws: PSQLError.self) {
                try await services.postgres.query("DELETE FROM \(schema: slug).audit_events")
            }
            await #expect(throws: PSQLError.self) {
                try await services.postgres.query("UPDATE \(schema: slug).audit_events SET action = 'x'")
            }
            let page = try await services.audit.list(plan: slug, limit: 10, before: nil)
            #expect(page.items.map(\.action) == ["plan.created"])
        }
    }
}

import Foundation
import Logging
import PostgresNIO

/// The plan registry in `control.plans`, and the schema each plan owns.
public protocol PlanRepository: Sendable {
    /// Registers the plan, creates its schema and migrates it, in one transaction.
    func create(_ input: ValidPlanInput, audit: NewAuditEvent) async throws -> Plan
    /// Every plan, or only those named in `slugs`.
    func list(slugs: [String]?) async throws -> [Plan]
    func find(_ slug: PlanSlug) async throws -> Plan?
    /// Applies a checked patch; nil when the plan does not exist.
    func update(_ slug: PlanSlug, patch: PlanPatch, audit: NewAuditEvent) async throws -> Plan?
}

public struct PostgresPlanRepository: PlanRepository {
    let client: Database
    let migrator: Migrator
    let audit: AuditRepository
    /// Seals the plan's secrets before they are written and opens them after they are read.
    let secrets: SecretBox
    let logger: Logger

    public init(client: Database, migrator: Migrator, secrets: SecretBox, audit: AuditRepository, logger: Logger) {
        self.client = client
        self.migrator = migrator
        self.secrets = secrets
        self.audit = audit
        self.logger = logger
    }

    static let columns = """
        SELECT slug, schema_name, name_fr, name_en, email_domains, portal_url,
               support_phone, support_email, support_hours_fr, support_hours_en,
               coalesce(settings->>'defaultLocale', 'fr'), created_at, updated_at, settings::text
        FROM control.plans
        """

    public func create(_ input: ValidPlanInput, audit event: NewAuditEvent) async throws -> Plan {
        try await client.withConnection { connection in
            do {
                return try await connection.withTransaction(logger: logger) { tx in
                    try await Migrator.lockShared(on: tx, logger: logger)
                    let rows = try await tx.query(
                        """
                        INSERT INTO control.plans (slug, schema_name, name_fr, name_en, email_domains, portal_url,
                            support_phone, support_email, support_hours_fr, support_hours_en, settings)
                        VALUES (\(input.slug.value), \(input.slug.schemaName), \(input.nameFr), \(input.nameEn),
                            \(input.emailDomains), \(input.portalUrl), \(input.support.phone), \(input.support.email),
                            \(input.support.hoursFr), \(input.support.hoursEn),
                            \(String(decoding: try JSONEncoder().encode(input.initialSettings.sealed(with: secrets, plan: input.slug.value)), as: UTF8.self))::jsonb)
                        ON CONFLICT (slug) DO NOTHING
                        RETURNING slug
                        """,
                        logger: logger
                    )
                    guard try await rows.exists else { throw Problem.planExists }
                    try await tx.query("SELECT pg_notify(\(PlanCache.channel), \(input.slug.value))", logger: logger)
                    try await migrator.createTenantSchema(input.slug, on: tx)
                    try await audit.append(event, plan: input.slug, on: tx)
                    guard let plan = try await decode(
                        tx.query("\(unescaped: Self.columns) WHERE slug = \(input.slug.value)", logger: logger)
                    ).first else { throw Problem.planNotFound }
                    return plan
                }
            } catch let error as PostgresTransactionError {
                if let problem = error.closureError as? Problem { throw problem }
                if let psql = error.closureError as? PSQLError, psql.serverInfo?[.sqlState] == "42P06" {
                    // A schema of that name exists without a registered plan: treat as taken.
                    throw Problem.planExists
                }
                throw error
            }
        }
    }

    public func list(slugs: [String]?) async throws -> [Plan] {
        if let slugs {
            return try await decode(client.query("\(unescaped: Self.columns) WHERE slug = ANY(\(slugs)) ORDER BY slug", logger: logger))
        }
        return try await decode(client.query("\(unescaped: Self.columns) ORDER BY slug", logger: logger))
    }

    public func find(_ slug: PlanSlug) async throws -> Plan? {
        try await decode(client.query("\(unescaped: Self.columns) WHERE slug = \(slug.value)", logger: logger)).first
    }

    public func update(_ slug: PlanSlug, patch: PlanPatch, audit event: NewAuditEvent) async throws -> Plan? {
        try await client.transaction(logger: logger) { tx -> Plan? in
                guard let current = try await decode(
                    tx.query("\(unescaped: Self.columns) WHERE slug = \(slug.value) FOR UPDATE", logger: logger)
                ).first else { return nil }
                let next = try patch.applied(to: current)
                try await tx.query(
                    """
                    UPDATE control.plans SET
                        name_fr = \(next.nameFr), name_en = \(next.nameEn), email_domains = \(next.emailDomains),
                        portal_url = \(next.portalUrl), support_phone = \(next.support.phone),
                        support_email = \(next.support.email), support_hours_fr = \(next.support.hoursFr),
                        support_hours_en = \(next.support.hoursEn),
                        settings = settings || \(String(decoding: try JSONEncoder().encode(next.settings.sealed(with: secrets, plan: slug.value)), as: UTF8.self))::jsonb,
                        updated_at = now()
                    WHERE slug = \(slug.value)
                    """,
                    logger: logger
                )
                try await audit.append(event, plan: slug, on: tx)
                try await tx.query("SELECT pg_notify(\(PlanCache.channel), \(slug.value))", logger: logger)
                return try await decode(
                    tx.query("\(unescaped: Self.columns) WHERE slug = \(slug.value)", logger: logger)
                ).first
        }
    }

    /// Plans as stored; a slug, locale or settings document the code cannot read fails loudly.
    func decode(_ rows: PostgresRowSequence) async throws -> [Plan] {
        var plans: [Plan] = []
        for try await row in rows {
            let (slug, schema, nameFr, nameEn, domains, portal, phone, email, hoursFr, hoursEn, locale, created, updated, settings) =
                try row.decode((PlanSlug, String, String, String, [String], String, String?, String?, String?, String?, Language, Date, Date, String).self)
            plans.append(Plan(
                slug: slug, schema: schema, nameFr: nameFr, nameEn: nameEn, emailDomains: domains, portalUrl: portal,
                support: SupportContact(phone: phone, email: email, hoursFr: hoursFr, hoursEn: hoursEn),
                defaultLocale: locale, createdAt: created, updatedAt: updated,
                settings: try JSONDecoder().decode(PlanSettings.self, from: Data(settings.utf8))
                    .opened(with: secrets, plan: slug.value, logger: logger)
            ))
        }
        return plans
    }
}

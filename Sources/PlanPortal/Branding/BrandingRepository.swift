import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A plan's logo: its bytes in the plan's schema (`branding_logo`), its facts in
/// `control.plans.settings.branding.logo`, both written in one transaction with the audit event
/// and the plan-change notice, so every replica's plan view and the bytes agree.
struct BrandingRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    /// This replica's plan cache, emptied of the plan at once (other replicas hear the NOTIFY).
    let planCache: PlanCache?
    let logger: Logger

    /// The stored logo as served (`getPlanLogo`, which the portal's pages link to).
    struct StoredLogo: Sendable {
        var contentType: String
        /// Hex SHA-256: the `ETag` and the version in `logoUrl`.
        var sha256: String
        var bytes: ByteBuffer
    }

    /// The plan's logo, or nil when it has none.
    func logo(plan: PlanSlug) async throws -> StoredLogo? {
        let rows = try await client.query(
            "SELECT content_type, encode(sha256, 'hex'), content FROM \(schema: plan).branding_logo",
            logger: logger
        )
        return try await rows.decode((String, String, ByteBuffer).self).one().map { StoredLogo(contentType: $0, sha256: $1, bytes: $2) }
    }

    /// Stores `image` as the plan's logo (replacing any) with its `plan.logo_updated` event.
    /// Returns its facts and when it was stored.
    func putLogo(plan: PlanSlug, image: LogoImage, audit event: NewAuditEvent) async throws -> PlanLogo {
        let info = image.info
        let facts = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
        let updatedAt = try await client.transaction(logger: logger) { tx -> Date in
            let rows = try await tx.query(
                """
                INSERT INTO \(schema: plan).branding_logo (singleton, content_type, content, sha256, updated_at)
                VALUES (true, \(info.contentType), \(ByteBuffer(bytes: image.bytes)), decode(\(info.sha256), 'hex'), now())
                ON CONFLICT (singleton) DO UPDATE SET
                    content_type = EXCLUDED.content_type, content = EXCLUDED.content, sha256 = EXCLUDED.sha256, updated_at = EXCLUDED.updated_at
                RETURNING updated_at
                """,
                logger: logger
            )
            guard let at = try await rows.decode(Date.self).one() else { throw Problem.internalError }
            try await tx.query(
                """
                UPDATE control.plans
                SET settings = jsonb_set(settings, '{branding}', coalesce(settings->'branding', '{}'::jsonb) || jsonb_build_object('logo', \(facts)::jsonb)),
                    updated_at = now()
                WHERE slug = \(plan.value)
                """,
                logger: logger
            )
            try await tx.query("SELECT pg_notify(\(PlanCache.channel), \(plan.value))", logger: logger)
            try await audit.append(event, plan: plan, on: tx)
            return at
        }
        planCache?.evict(plan)
        return PlanLogo(info: info, updatedAt: updatedAt, url: PublicPlan.logoPath(plan: plan, info: info))
    }

    /// Removes the plan's logo, with its `plan.logo_deleted` event when there was one.
    func deleteLogo(plan: PlanSlug, audit event: NewAuditEvent) async throws {
        try await client.transaction(logger: logger) { tx in
            let rows = try await tx.query("DELETE FROM \(schema: plan).branding_logo RETURNING 1", logger: logger)
            guard try await rows.exists else { return }
            try await tx.query(
                """
                UPDATE control.plans SET settings = jsonb_set(settings, '{branding}', coalesce(settings->'branding', '{}'::jsonb) - 'logo'),
                    updated_at = now()
                WHERE slug = \(plan.value)
                """,
                logger: logger
            )
            try await tx.query("SELECT pg_notify(\(PlanCache.channel), \(plan.value))", logger: logger)
            try await audit.append(event, plan: plan, on: tx)
        }
        planCache?.evict(plan)
    }
}

import Foundation
import Logging
import PostgresNIO

/// The versions of a plan's terms of use (`terms_versions`); acceptances are written with a login.
struct TermsRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    let logger: Logger

    /// The newest published version, in `language`; nil when none was published.
    func current(plan: PlanSlug, language: Language) async throws -> Terms? {
        let rows = try await client.query(
            """
            SELECT version, text_fr, text_en, published_at FROM \(schema: plan).terms_versions
            ORDER BY published_at DESC, version DESC LIMIT 1
            """,
            logger: logger
        )
        return try await rows.decode((String, String, String, Date).self).one().map { version, fr, en, at in
            Terms(version: version, text: language == .fr ? fr : en, publishedAt: at)
        }
    }

    /// Stores a new version with its audit event; 409 `terms_version_exists` when the version was published before.
    func publish(plan: PlanSlug, terms: TermsPublication, event: NewAuditEvent) async throws -> PublishedTerms {
        try await client.transaction(logger: logger) { tx in
            let rows = try await tx.query(
                """
                INSERT INTO \(schema: plan).terms_versions (version, text_fr, text_en)
                VALUES (\(terms.version), \(terms.textFr), \(terms.textEn))
                ON CONFLICT (version) DO NOTHING
                RETURNING published_at
                """,
                logger: logger
            )
            guard let publishedAt = try await rows.decode(Date.self).one() else { throw Problem.termsVersionExists }
            try await audit.append(event, plan: plan, on: tx)
            return PublishedTerms(version: terms.version, publishedAt: publishedAt)
        }
    }
}

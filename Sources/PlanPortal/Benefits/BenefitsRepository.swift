import Foundation
import Logging
import PostgresNIO

/// A plan's benefits (`benefit_settings`, `benefit_categories`) and the coverage a member has left.
struct BenefitsRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    let logger: Logger

    /// The plan's benefits, or nil before the TPA set them.
    func benefits(plan: PlanSlug) async throws -> Benefits? {
        try await client.withConnection { try await benefits(plan: plan, on: $0) }
    }

    func benefits(plan: PlanSlug, on connection: PostgresConnection) async throws -> Benefits? {
        let rows = try await connection.query(
            """
            SELECT s.benefit_year_start, c.code, c.name_fr, c.name_en, c.coverage_percent, c.annual_maximum_cents, c.per_claim_maximum_cents
            FROM \(schema: plan).benefit_settings s
            LEFT JOIN \(schema: plan).benefit_categories c ON true
            ORDER BY c.position
            """,
            logger: logger
        )
        var benefits: Benefits?
        for try await (start, code, nameFr, nameEn, percent, annual, perClaim)
            in rows.decode((String, String?, String?, String?, Int?, Int64?, Int64?).self)
        {
            var current = benefits ?? Benefits(benefitYearStart: start, categories: [])
            if let code, let nameFr, let nameEn, let percent {
                current.categories.append(.init(
                    code: code, nameFr: nameFr, nameEn: nameEn, coveragePercent: percent,
                    annualMaximumCents: annual, perClaimMaximumCents: perClaim
                ))
            }
            benefits = current
        }
        return benefits
    }

    /// Replaces the plan's benefits (validated by the caller) in one transaction with its audit event.
    /// Claims keep the code of a category that is dropped.
    func replace(plan: PlanSlug, with benefits: Benefits, event: NewAuditEvent) async throws -> Benefits {
        try await client.transaction(logger: logger) { tx in
            try await tx.query(
                """
                INSERT INTO \(schema: plan).benefit_settings (benefit_year_start) VALUES (\(benefits.benefitYearStart))
                ON CONFLICT (singleton) DO UPDATE SET benefit_year_start = EXCLUDED.benefit_year_start, updated_at = EXCLUDED.updated_at
                """,
                logger: logger
            )
            try await tx.query("DELETE FROM \(schema: plan).benefit_categories", logger: logger)
            for (position, category) in benefits.categories.enumerated() {
                try await tx.query(
                    """
                    INSERT INTO \(schema: plan).benefit_categories
                        (code, position, name_fr, name_en, coverage_percent, annual_maximum_cents, per_claim_maximum_cents)
                    VALUES (\(category.code), \(position), \(category.nameFr), \(category.nameEn), \(category.coveragePercent),
                            \(category.annualMaximumCents), \(category.perClaimMaximumCents))
                    """,
                    logger: logger
                )
            }
            var event = event
            event.details.fields = benefits.categories.map(\.code)
            try await audit.append(event, plan: plan, on: tx)
            return benefits
        }
    }

    /// The coverage of a member's account and the member's id, or nil for an unknown account.
    func memberCoverage(plan: PlanSlug, accountID: UUID, on connection: PostgresConnection) async throws -> (UUID, MemberCoverage)? {
        let rows = try await connection.query(
            """
            SELECT m.id, m.coverage_status, m.coverage_start::text, m.coverage_end::text
            FROM \(schema: plan).accounts a JOIN \(schema: plan).members m ON m.id = a.member_id
            WHERE a.id = \(accountID)
            """,
            logger: logger
        )
        return try await rows.decode((UUID, MemberCoverage.Status, String?, String?).self).one().map { memberID, status, start, end in
            (memberID, MemberCoverage(status: status, start: start, end: end))
        }
    }

    /// Approved amounts per category of a member's claims whose service date is in `period`.
    func used(plan: PlanSlug, memberID: UUID, period: Coverage.Period, on connection: PostgresConnection) async throws -> [String: Int64] {
        let rows = try await connection.query(
            """
            SELECT category, sum(approved_amount_cents)::bigint FROM \(schema: plan).claims
            WHERE member_id = \(memberID) AND approved_amount_cents IS NOT NULL
              AND service_date BETWEEN \(period.start)::date AND \(period.end)::date
            GROUP BY category
            """,
            logger: logger
        )
        var used: [String: Int64] = [:]
        for try await (category, sum) in rows.decode((String, Int64).self) { used[category] = sum }
        return used
    }

    /// The benefit year holding `today`, and per category what was used and what is left.
    func coverage(plan: PlanSlug, accountID: UUID, today: String, language: Language) async throws -> Coverage? {
        try await client.withConnection { connection in
            guard let (memberID, member) = try await memberCoverage(plan: plan, accountID: accountID, on: connection) else { return nil }
            let planBenefits = try await benefits(plan: plan, on: connection) ?? Benefits(benefitYearStart: "01-01", categories: [])
            let year = BenefitYear.containing(today, start: planBenefits.benefitYearStart)
            let period = Coverage.Period(start: year.start, end: year.end)
            let spent = try await used(plan: plan, memberID: memberID, period: period, on: connection)
            return Coverage(
                benefitYear: period, status: member.status(on: today), coverageStart: member.start, coverageEnd: member.end,
                categories: planBenefits.categories.map { category in
                    let used = spent[category.code] ?? 0
                    return Coverage.Category(
                        code: category.code, name: category.name(language), coveragePercent: category.coveragePercent,
                        annualMaximumCents: category.annualMaximumCents, perClaimMaximumCents: category.perClaimMaximumCents,
                        usedCents: used, remainingCents: category.annualMaximumCents.map { max(0, $0 - used) }
                    )
                }
            )
        }
    }
}

import Foundation
import Logging
import PostgresNIO

/// A plan's benefits (`benefit_settings`, `benefit_categories`) and the coverage a member has left.
struct BenefitsRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    /// The member's family (coverage per person, the patient of a claim).
    let dependants: DependantRepository
    let logger: Logger

    /// The plan's benefits, or nil before the TPA set them.
    func benefits(plan: PlanSlug) async throws -> Benefits? {
        try await client.withConnection { try await benefits(plan: plan, on: $0) }
    }

    func benefits(plan: PlanSlug, on connection: PostgresConnection) async throws -> Benefits? {
        let rows = try await connection.query(
            """
            SELECT s.benefit_year_start, c.code, c.name_fr, c.name_en, c.coverage_percent, c.annual_maximum_cents, c.per_claim_maximum_cents,
                   c.maximum_scope
            FROM \(schema: plan).benefit_settings s
            LEFT JOIN \(schema: plan).benefit_categories c ON true
            ORDER BY c.position
            """,
            logger: logger
        )
        var benefits: Benefits?
        for try await (start, code, nameFr, nameEn, percent, annual, perClaim, scope)
            in rows.decode((String, String?, String?, String?, Int?, Int64?, Int64?, MaximumScope?).self)
        {
            var current = benefits ?? Benefits(benefitYearStart: start, categories: [])
            if let code, let nameFr, let nameEn, let percent {
                current.categories.append(.init(
                    code: code, nameFr: nameFr, nameEn: nameEn, coveragePercent: percent,
                    annualMaximumCents: annual, perClaimMaximumCents: perClaim, maximumScope: scope ?? .person
                ))
            }
            benefits = current
        }
        return benefits
    }

    /// Replaces the plan's benefits (validated by the caller) in one transaction with its audit event.
    /// Claims keep the code of a category that is dropped.
    func replace(plan: PlanSlug, with benefits: Benefits, event: NewAuditEvent) async throws -> Benefits {
        var benefits = benefits
        for index in benefits.categories.indices { benefits.categories[index].maximumScope = benefits.categories[index].scope }
        return try await client.transaction(logger: logger) { [benefits] tx in
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
                        (code, position, name_fr, name_en, coverage_percent, annual_maximum_cents, per_claim_maximum_cents, maximum_scope)
                    VALUES (\(category.code), \(position), \(category.nameFr), \(category.nameEn), \(category.coveragePercent),
                            \(category.annualMaximumCents), \(category.perClaimMaximumCents), \(category.scope))
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

    /// The member of an account with their coverage, or nil for an unknown account.
    func memberCoverage(plan: PlanSlug, accountID: UUID, on connection: PostgresConnection) async throws -> CoveredMember? {
        let rows = try await connection.query(
            """
            SELECT m.id, m.coverage_status, m.coverage_start::text, m.coverage_end::text, m.first_name, m.last_name
            FROM \(schema: plan).accounts a JOIN \(schema: plan).members m ON m.id = a.member_id
            WHERE a.id = \(accountID)
            """,
            logger: logger
        )
        return try await rows.decode((UUID, MemberCoverage.Status, String?, String?, String, String).self).one().map { memberID, status, start, end, first, last in
            CoveredMember(id: memberID, coverage: MemberCoverage(status: status, start: start, end: end), firstName: first, lastName: last)
        }
    }

    /// Approved amounts per patient and category of the claims of a member's family whose service
    /// date is in `period`.
    func usage(plan: PlanSlug, memberID: UUID, period: Coverage.Period, on connection: PostgresConnection) async throws -> FamilyUsage {
        let rows = try await connection.query(
            """
            SELECT patient, category, sum(approved_amount_cents)::bigint FROM \(schema: plan).claims
            WHERE member_id = \(memberID) AND approved_amount_cents IS NOT NULL
              AND service_date BETWEEN \(period.start)::date AND \(period.end)::date
            GROUP BY patient, category
            """,
            logger: logger
        )
        var usage = FamilyUsage()
        for try await (patient, category, sum) in rows.decode((String, String, Int64).self) { usage.byPatient[patient, default: [:]][category] = sum }
        return usage
    }

    /// The benefit year holding `today`, and per category what was used and what is left: for the
    /// member (the fields of the first version) and for each person of the family (`people`).
    func coverage(plan: PlanSlug, accountID: UUID, today: String, language: Language) async throws -> Coverage? {
        try await client.withConnection { connection in
            guard let member = try await memberCoverage(plan: plan, accountID: accountID, on: connection) else { return nil }
            let planBenefits = try await benefits(plan: plan, on: connection) ?? Benefits(benefitYearStart: "01-01", categories: [])
            let year = BenefitYear.containing(today, start: planBenefits.benefitYearStart)
            let period = Coverage.Period(start: year.start, end: year.end)
            let usage = try await self.usage(plan: plan, memberID: member.id, period: period, on: connection)
            func categories(_ patient: String) -> [Coverage.Category] {
                planBenefits.categories.map { category in
                    let used = usage.used(category, patient: patient)
                    return Coverage.Category(
                        code: category.code, name: category.name(language), coveragePercent: category.coveragePercent,
                        annualMaximumCents: category.annualMaximumCents, perClaimMaximumCents: category.perClaimMaximumCents,
                        maximumScope: category.scope, usedCents: used, remainingCents: category.annualMaximumCents.map { max(0, $0 - used) }
                    )
                }
            }
            var people = [Coverage.Person(
                patient: Patient.selfValue, relationship: nil, firstName: member.firstName, lastName: member.lastName,
                coverageStart: member.coverage.start, coverageEnd: member.coverage.end, categories: categories(Patient.selfValue)
            )]
            for dependant in try await dependants.family(plan: plan, memberID: member.id, on: connection) {
                let covered = dependant.coverage(under: member.coverage)
                people.append(Coverage.Person(
                    patient: dependant.dependantId, relationship: dependant.relationship, firstName: dependant.firstName, lastName: dependant.lastName,
                    coverageStart: covered.start, coverageEnd: covered.end, categories: categories(dependant.dependantId)
                ))
            }
            return Coverage(
                benefitYear: period, status: member.coverage.status(on: today), coverageStart: member.coverage.start, coverageEnd: member.coverage.end,
                categories: people[0].categories, people: people
            )
        }
    }
}

/// An account's roster member and their coverage.
struct CoveredMember: Sendable {
    var id: UUID
    var coverage: MemberCoverage
    var firstName: String
    var lastName: String
}

/// What a family's claims used of each category in a benefit year.
struct FamilyUsage: Sendable {
    /// Patient (`self` or a dependant id) → category code → approved cents.
    var byPatient: [String: [String: Int64]] = [:]

    /// What counts against `category`'s annual maximum for a claim of `patient`: the patient's own
    /// use, or the whole family's when the maximum is per family.
    func used(_ category: BenefitCategory, patient: String) -> Int64 {
        switch category.scope {
        case .person: byPatient[patient]?[category.code] ?? 0
        case .family: byPatient.values.reduce(0) { $0 + ($1[category.code] ?? 0) }
        }
    }
}

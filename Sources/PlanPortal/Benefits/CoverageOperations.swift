/// A member's coverage (tag `member-coverage`) for every presentation.
struct CoverageOperations: Sendable {
    let benefits: BenefitsRepository

    /// `getMyCoverage`: the benefit year holding `today` and, per category, what was used and what is left.
    func getMyCoverage(plan: Plan, session: MemberSession, language: Language, today: String = CalendarDate.today()) async throws -> Coverage {
        guard let coverage = try await benefits.coverage(plan: plan.slug, accountID: session.accountID, today: today, language: language) else {
            throw Problem.sessionRequired
        }
        return coverage
    }
}

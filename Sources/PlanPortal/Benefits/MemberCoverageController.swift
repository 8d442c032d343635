import Hummingbird

/// Tag `member-coverage`: the member's coverage and what is left of it this benefit year, as JSON.
struct MemberCoverageController: Sendable {
    let coverage: CoverageOperations

    func addRoutes(to group: RouterGroup<MemberRequestContext>) {
        group.get("me/coverage", use: getMyCoverage)
    }

    @Sendable func getMyCoverage(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let language = context.language(request)
        let body = try await coverage.getMyCoverage(plan: context.plan, session: context.session, language: language)
        return try .json(body, headers: [.cacheControl: "no-store", .contentLanguage: language.rawValue])
    }
}

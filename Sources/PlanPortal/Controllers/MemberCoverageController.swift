import Foundation
import Hummingbird

/// Tag `member-coverage`: the logged-in member's coverage and what is left of it this benefit year.
public struct MemberCoverageController: MemberController {
    let deps: MemberDependencies

    public init(_ deps: MemberDependencies) {
        self.deps = deps
    }

    public func addRoutes(to group: RouterGroup<MemberRequestContext>) {
        group.get("me/coverage", use: getCoverage)
    }

    @Sendable func getCoverage(_ request: Request, context: MemberRequestContext) async throws -> Response {
        let plan = context.plan
        let accountID = context.session.accountID
        let language = context.language(request)
        guard let coverage = try await deps.benefits.coverage(
            plan: plan.slug, accountID: accountID, today: CalendarDate.today(), language: language
        ) else { throw Problem.sessionRequired }
        return try .json(coverage, headers: [.cacheControl: "no-store", .contentLanguage: language.rawValue])
    }
}

import Hummingbird

/// Tag `member-challenge`: which anti-bot challenge a plan's clients render, and for proof of
/// work the challenge itself.
struct MemberChallengeController: Sendable {
    func addRoutes(to group: RouterGroup<PlanRequestContext>) {
        group.get("challenge", use: getChallenge)
    }

    @Sendable func getChallenge(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try .json(ClientChallenge(plan: context.plan), headers: [.cacheControl: "no-store"])
    }
}

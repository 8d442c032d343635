import Foundation
import Hummingbird

/// Tag `member-challenge`: which anti-bot challenge a plan's clients render, and for proof of
/// work the challenge itself.
public struct MemberChallengeController: MemberController {
    let deps: MemberDependencies

    public init(_ deps: MemberDependencies) {
        self.deps = deps
    }

    public func addRoutes(to group: RouterGroup<PlanRequestContext>) {
        group.get("challenge", use: getChallenge)
    }

    public struct ChallengeBody: Encodable, Sendable {
        public var provider: ChallengeProvider
        public var siteKey: String?
        /// reCAPTCHA: `v2` or `v3` (v3 when the plan sets a minimum score).
        public var version: String?
        public var action: String?
        /// Absent fields are left out (synthesized `Encodable` skips nil optionals).
        public var pow: ProofOfWorkChallenge?
    }

    @Sendable func getChallenge(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        let settings = plan.challenge
        var body = ChallengeBody(provider: settings.provider, siteKey: settings.siteKey, action: settings.action)
        switch settings.provider {
        case .recaptcha: body.version = settings.minScore == nil ? "v2" : "v3"
        case .pow:
            guard let key = plan.settings.powKey else { throw Problem.challengeUnavailable }
            body.pow = ProofOfWork.make(key: key, maxNumber: settings.effectivePowMaxNumber)
        case .hcaptcha, .turnstile, .none: break
        }
        return try .json(body, headers: [.cacheControl: "no-store"])
    }
}

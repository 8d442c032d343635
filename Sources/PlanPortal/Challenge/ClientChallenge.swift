/// What a client renders so a member can prove to be human (`getChallenge`): the plan's provider
/// and its public settings, and for proof of work a fresh signed challenge.
struct ClientChallenge: Encodable, Sendable {
    var provider: ChallengeProvider
    var siteKey: String?
    /// reCAPTCHA: `v2` or `v3` (v3 when the plan sets a minimum score).
    var version: String?
    var action: String?
    /// Absent fields are left out (synthesized `Encodable` skips nil optionals).
    var pow: ProofOfWorkChallenge?

    /// 503 `challenge_unavailable` when the plan's proof-of-work key is missing.
    init(plan: Plan) throws {
        let settings = plan.challenge
        (provider, siteKey, action, version) = (settings.provider, settings.siteKey, settings.action, settings.recaptchaVersion)
        if settings.provider == .pow {
            guard let key = plan.settings.powKey else { throw Problem.challengeUnavailable }
            pow = ProofOfWork.make(key: key, maxNumber: settings.effectivePowMaxNumber)
        }
    }
}

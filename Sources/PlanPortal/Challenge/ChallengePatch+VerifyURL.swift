/// Who may point the server at a siteverify URL, and where.
extension ChallengePatch {
    /// Throws 422 `challenge_verify_url_forbidden` when this patch sets `verifyUrl` and the caller
    /// is not a platform operator, or the URL breaks the outbound policy. Clearing it (`null`)
    /// is open to everyone: it returns to the provider's own endpoint.
    public func checkVerifyURL(byPlatform: Bool, policy: OutboundPolicy) throws {
        guard case .value(let url) = verifyUrl else { return }
        guard byPlatform else { throw Problem.challengeVerifyUrlForbidden(rule: "platform_only") }
        do { _ = try policy.check(url: url) } catch { throw Problem.challengeVerifyUrlForbidden(rule: error.rawValue) }
    }
}

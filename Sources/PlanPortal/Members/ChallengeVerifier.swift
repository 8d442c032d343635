/// Checks the `challengeToken` of a protected step (reCAPTCHA-style hook, seed step 6).
public protocol ChallengeVerifier: Sendable {
    /// Throws a problem (`challenge_required`, `challenge_failed`, `challenge_unavailable`) to refuse.
    func verify(token: String?, plan: Plan, remoteIP: String?) async throws
}

/// The call sites are in place; per-plan providers (reCAPTCHA, hCaptcha, Turnstile,
/// proof-of-work) replace this with issue #4. Until then every token is accepted.
public struct AcceptAllChallengeVerifier: ChallengeVerifier {
    public init() {}
    public func verify(token: String?, plan: Plan, remoteIP: String?) async throws {}
}

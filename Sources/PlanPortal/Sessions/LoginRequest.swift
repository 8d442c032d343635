/// Body of `POST /v1/plans/{plan}/sessions` (`createSession`, RAMU step 10).
struct LoginRequest: Decodable, Sendable {
    var email: String
    var password: String
    /// Absent means false.
    var acceptTerms: Bool?
    var termsVersion: String?
    var challengeToken: String?
}

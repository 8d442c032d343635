/// Body of `POST /v1/plans/{plan}/password-resets` (`requestPasswordReset`).
struct PasswordResetRequest: Decodable, Sendable {
    var email: String
    var challengeToken: String?
}

/// Body of `POST /v1/plans/{plan}/password-resets/{token}` (`completePasswordReset`).
struct PasswordResetCompletion: Decodable, Sendable {
    var securityAnswer: String
    var password: String
    var passwordConfirmation: String

    /// Rules that need neither the link nor the account: confirmation and the e-mail-independent
    /// password rules (the e-mail's local part is checked once the link names the account).
    func validateBeforeToken(plan: Plan) throws {
        guard securityAnswer.count <= 200 else {
            throw Problem.validation([.init(field: "securityAnswer", rule: "length", message: .init(fr: "Au plus 200 caractères.", en: "At most 200 characters."))])
        }
        guard password == passwordConfirmation else { throw Problem.passwordMismatch }
        try plan.passwordPolicy.check(password, email: nil)
    }
}

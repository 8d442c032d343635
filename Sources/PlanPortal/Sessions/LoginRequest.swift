/// Body of `POST /v1/plans/{plan}/sessions` (`createSession`, RAMU step 10).
struct LoginRequest: Decodable, Sendable {
    var email: String
    var password: String
    /// Absent means false.
    var acceptTerms: Bool?
    var termsVersion: String?
    var challengeToken: String?
    /// A device token an earlier login of this account returned (`NewSession.deviceToken`).
    var deviceToken: String?

    /// The device token, when one was sent; 422 when it cannot be one (43 base64url characters).
    func presentedDeviceToken() throws -> LinkToken? {
        guard let deviceToken else { return nil }
        guard let token = LinkToken(deviceToken) else {
            throw Problem.validation([.init(
                field: "deviceToken", rule: "format",
                message: .init(fr: "Jeton d'appareil invalide (43 caractères base64url).", en: "Invalid device token (43 base64url characters).")
            )])
        }
        return token
    }
}

/// Body of `PATCH /v1/plans/{plan}/me` (`updateMe`, JSON merge patch): at least one field.
struct MePatch: Decodable, Sendable {
    /// The language of the member's e-mails and, in the portal, of its pages.
    var locale: Language?

    var fieldNames: [String] { locale == nil ? [] : ["locale"] }

    func validate() throws {
        guard !fieldNames.isEmpty else {
            throw Problem.validation([.init(field: "body", rule: "min_properties", message: .init(fr: "Aucun champ à modifier.", en: "No field to change."))])
        }
    }
}

/// Body of `POST /v1/plans/{plan}/me/password` (`changePassword`).
struct PasswordChange: Decodable, Sendable {
    var currentPassword: String
    var newPassword: String
    var newPasswordConfirmation: String

    /// What needs neither the account nor a hash: the current password's length, the
    /// confirmation, a new password that differs (the plan's policy is checked with the account's e-mail).
    func validate() throws {
        try CurrentPassword.checkLength(currentPassword)
        guard newPassword == newPasswordConfirmation else { throw Problem.passwordMismatch }
        guard newPassword != currentPassword else { throw Problem.passwordUnchanged }
    }
}

/// Body of `PUT /v1/plans/{plan}/me/security-question` (`putSecurityQuestion`).
struct SecurityQuestionChange: Decodable, Sendable {
    var currentPassword: String
    var securityQuestionId: String
    var securityAnswer: String

    func validate(plan: Plan) throws {
        try CurrentPassword.checkLength(currentPassword)
        let errors = MemberFieldRules.securityQuestion(id: securityQuestionId, answer: securityAnswer, plan: plan)
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }
}

/// The current password a member retypes to change a credential.
enum CurrentPassword {
    /// 1 to 128 characters (no password of any policy is longer): anything else is refused before
    /// it costs a hash or a rate-limit hit.
    static func checkLength(_ value: String) throws {
        guard (1...128).contains(value.count) else {
            throw Problem.validation([.init(field: "currentPassword", rule: "length", message: .init(fr: "De 1 à 128 caractères.", en: "From 1 to 128 characters."))])
        }
    }
}

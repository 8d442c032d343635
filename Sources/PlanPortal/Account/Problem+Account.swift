/// Problems of a member's own settings (issue #12).
extension Problem {
    /// 422: the current password retyped to change a credential is wrong (counted per account and address).
    public static let currentPasswordIncorrect = Problem(
        status: .unprocessableContent, code: "current_password_incorrect",
        title: .init(fr: "Mot de passe actuel incorrect", en: "Wrong current password"),
        detail: .init(fr: "Le mot de passe actuel saisi est incorrect.", en: "The current password you typed is wrong."),
        errors: [.init(field: "currentPassword", rule: "incorrect", message: .init(fr: "Mot de passe actuel incorrect.", en: "Wrong current password."))]
    )

    public static let passwordUnchanged = Problem(
        status: .unprocessableContent, code: "password_unchanged",
        title: .init(fr: "Mot de passe inchangé", en: "Password unchanged"),
        detail: .init(fr: "Le nouveau mot de passe doit différer de l'actuel.", en: "The new password must differ from the current one."),
        errors: [.init(field: "newPassword", rule: "unchanged", message: .init(fr: "Identique au mot de passe actuel.", en: "Same as the current password."))]
    )
}

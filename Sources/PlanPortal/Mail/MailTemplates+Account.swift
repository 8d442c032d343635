extension MailTemplates {
    /// What a member changed of their own credentials (a security notice; no link carries a token).
    enum CredentialChange {
        case password
        case securityQuestion
    }

    /// "Your password was changed": sent after `changePassword` and `putSecurityQuestion`, in the
    /// member's language, so someone using a stolen session cannot change them unnoticed.
    static func credentialChanged(_ change: CredentialChange, plan: Plan, language: Language, to: String) -> MailMessage {
        let name = plan.name(language)
        let link = "\(plan.portalUrl)/password-reset"
        switch language {
        case .fr:
            let what = change == .password ? "Le mot de passe" : "La question de vérification"
            let done = change == .password ? "a été changé" : "a été changée"
            let others = change == .password ? " Vos autres sessions ouvertes ont été fermées." : ""
            return compose(
                to: to, subject: "\(name) : \(what.lowercased()) de votre compte \(done)",
                paragraphs: [
                    "Bonjour,",
                    "\(what) de votre compte du portail des participants de \(name) \(done) depuis une session ouverte.\(others)",
                    "Si vous n'êtes pas à l'origine de ce changement, choisissez sans tarder un nouveau mot de passe :",
                    "{LINK}",
                    "Pour toute question, communiquez avec le soutien du régime\(supportReach(plan, language)).",
                ],
                link: link, linkLabel: "Réinitialiser mon mot de passe"
            )
        case .en:
            let what = change == .password ? "password" : "security question"
            let others = change == .password ? " Your other open sessions were ended." : ""
            return compose(
                to: to, subject: "\(name): your account's \(what) was changed",
                paragraphs: [
                    "Hello,",
                    "The \(what) of your \(name) member portal account was changed from a logged-in session.\(others)",
                    "If you did not make this change, choose a new password at once:",
                    "{LINK}",
                    "For any question, contact the plan's support\(supportReach(plan, language)).",
                ],
                link: link, linkLabel: "Reset my password"
            )
        }
    }
}

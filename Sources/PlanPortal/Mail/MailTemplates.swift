import Foundation

/// The bilingual messages of the member journey. French unless the member chose English.
enum MailTemplates {
    static func activation(plan: Plan, language: Language, to: String, link: String) -> MailMessage {
        let name = plan.name(language)
        let support = supportLine(plan, language)
        switch language {
        case .fr:
            return compose(
                to: to, subject: "\(name) : activez votre compte",
                paragraphs: [
                    "Bonjour,",
                    "Vous avez demandé l'accès au portail des participants de \(name). Cliquez sur le lien suivant pour activer votre compte :",
                    "{LINK}",
                    "Important : ce lien est valide pendant 24 heures et ne sert qu'une fois.",
                    support,
                    "Si vous n'avez rien demandé, ignorez ce message. Veuillez ne pas répondre à ce message.",
                ],
                link: link, linkLabel: "Activer mon compte"
            )
        case .en:
            return compose(
                to: to, subject: "\(name): activate your account",
                paragraphs: [
                    "Hello,",
                    "You asked for access to the \(name) member portal. Follow this link to activate your account:",
                    "{LINK}",
                    "Important: this link is valid for 24 hours and works only once.",
                    support,
                    "If you did not ask for this, ignore this message. Please do not reply to this message.",
                ],
                link: link, linkLabel: "Activate my account"
            )
        }
    }

    static func alreadyRegistered(plan: Plan, language: Language, to: String, link: String) -> MailMessage {
        let name = plan.name(language)
        let support = supportLine(plan, language)
        switch language {
        case .fr:
            return compose(
                to: to, subject: "\(name) : vous avez déjà un compte",
                paragraphs: [
                    "Bonjour,",
                    "Une inscription au portail des participants de \(name) a été demandée, mais un compte actif existe déjà pour vous.",
                    "Ouvrez une session avec votre courriel institutionnel. Si vous avez oublié votre mot de passe, réinitialisez-le ici :",
                    "{LINK}",
                    support,
                ],
                link: link, linkLabel: "Réinitialiser mon mot de passe"
            )
        case .en:
            return compose(
                to: to, subject: "\(name): you already have an account",
                paragraphs: [
                    "Hello,",
                    "Someone asked to register for the \(name) member portal, but you already have an active account.",
                    "Log in with your institutional e-mail. If you forgot your password, reset it here:",
                    "{LINK}",
                    support,
                ],
                link: link, linkLabel: "Reset my password"
            )
        }
    }

    static func passwordReset(plan: Plan, language: Language, to: String, link: String) -> MailMessage {
        let name = plan.name(language)
        let support = supportLine(plan, language)
        switch language {
        case .fr:
            return compose(
                to: to, subject: "\(name) : réinitialisation de votre mot de passe",
                paragraphs: [
                    "Bonjour,",
                    "Pour choisir un nouveau mot de passe, suivez ce lien; votre question de vérification vous sera posée :",
                    "{LINK}",
                    "Ce lien est valide pendant une heure et ne sert qu'une fois.",
                    support,
                    "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.",
                ],
                link: link, linkLabel: "Choisir un nouveau mot de passe"
            )
        case .en:
            return compose(
                to: to, subject: "\(name): reset your password",
                paragraphs: [
                    "Hello,",
                    "To choose a new password, follow this link; you will be asked your security question:",
                    "{LINK}",
                    "This link is valid for one hour and works only once.",
                    support,
                    "If you did not ask for this, ignore this message: your password does not change.",
                ],
                link: link, linkLabel: "Choose a new password"
            )
        }
    }

    /// The guide's "if nothing arrives within 60 minutes, contact the Infocentre" line.
    static func supportLine(_ plan: Plan, _ language: Language) -> String {
        let reach = supportReach(plan, language)
        return language == .fr
            ? "Si un courriel attendu n'arrive pas dans les 60 minutes, communiquez avec le soutien du régime\(reach)."
            : "If an expected e-mail does not arrive within 60 minutes, contact the plan's support\(reach)."
    }

    /// How to reach the plan's support, ready to follow "contact the plan's support": ` at 1-888…
    /// or by e-mail at … (hours)`, or empty.
    static func supportReach(_ plan: Plan, _ language: Language) -> String {
        let s = plan.support
        var ways: [String] = []
        if let phone = s.phone { ways.append(language == .fr ? "au \(phone)" : "at \(phone)") }
        if let email = s.email { ways.append(language == .fr ? "par courriel à \(email)" : "by e-mail at \(email)") }
        let hours = language == .fr ? s.hoursFr : s.hoursEn
        let contact = ways.isEmpty ? "" : " " + ways.joined(separator: language == .fr ? " ou " : " or ")
        return contact + (hours.map { " (\($0))" } ?? "")
    }

    /// A notice about one of the member's records that sends them to the portal: "<plan> : <subject>",
    /// the greeting, `body` (nil paragraphs left out), the TPA's reason, `prompt` (or "see the
    /// details in the member portal"), the portal link and the support line.
    static func portalNotice(
        plan: Plan, language: Language, to: String, subject: String, body: [String?], reason: String?, prompt: LocalizedText? = nil
    ) -> MailMessage {
        let fr = language == .fr
        let paragraphs = [fr ? "Bonjour," : "Hello,"] + body.compactMap { $0 }
            + [reason.map { (fr ? "Motif : " : "Reason: ") + $0 }].compactMap { $0 }
            + [(prompt ?? LocalizedText(fr: "Consultez le détail dans le portail des participants :", en: "See the details in the member portal:"))(language),
               "{LINK}", supportLine(plan, language)]
        return compose(
            to: to, subject: plan.name(language) + (fr ? " : " : ": ") + subject, paragraphs: paragraphs,
            link: plan.portalUrl, linkLabel: fr ? "Ouvrir le portail" : "Open the portal"
        )
    }

    static func compose(to: String, subject: String, paragraphs: [String], link: String, linkLabel: String) -> MailMessage {
        let text = paragraphs.map { $0 == "{LINK}" ? link : $0 }.joined(separator: "\n\n") + "\n"
        let html = "<!doctype html><html><body style=\"font-family:sans-serif\">"
            + paragraphs.map { paragraph in
                paragraph == "{LINK}"
                    ? "<p><a href=\"\(escape(link))\">\(escape(linkLabel))</a></p><p style=\"font-size:small\">\(escape(link))</p>"
                    : "<p>\(escape(paragraph))</p>"
            }.joined()
            + "</body></html>"
        return MailMessage(to: to, subject: subject, text: text, html: html)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

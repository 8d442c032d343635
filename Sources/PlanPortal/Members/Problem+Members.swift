import HTTPTypes

/// Problems of the member journey (RAMU steps 3-10).
extension Problem {
    public static let emailMismatch = Problem(
        status: .unprocessableContent, code: "email_mismatch",
        title: .init(fr: "Courriels différents", en: "E-mail addresses differ"),
        detail: .init(fr: "Les deux adresses courriel ne sont pas identiques.", en: "The two e-mail addresses are not the same.")
    )
    public static let emailDomainNotAllowed = Problem(
        status: .unprocessableContent, code: "email_domain_not_allowed",
        title: .init(fr: "Courriel non institutionnel", en: "Not an institutional e-mail"),
        detail: .init(fr: "Utilisez l'adresse courriel de votre établissement.", en: "Use your institution's e-mail address.")
    )
    public static let invalidEmail = Problem(
        status: .unprocessableContent, code: "invalid_email",
        title: .init(fr: "Courriel invalide", en: "Invalid e-mail"),
        detail: .init(fr: "L'adresse courriel n'est pas valide.", en: "The e-mail address is not valid.")
    )
    public static let registrationNotFound = Problem(
        status: .notFound, code: "registration_not_found",
        title: .init(fr: "Inscription introuvable", en: "Registration not found"),
        detail: .init(fr: "Aucune inscription ne porte cet identifiant.", en: "No registration has this identifier.")
    )
    public static let registrationExpired = Problem(
        status: .gone, code: "registration_expired",
        title: .init(fr: "Inscription expirée", en: "Registration expired"),
        detail: .init(fr: "Recommencez l'inscription depuis le début.", en: "Start the registration again.")
    )
    public static let activationNotFound = Problem(
        status: .notFound, code: "activation_not_found",
        title: .init(fr: "Lien d'activation introuvable", en: "Activation link not found"),
        detail: .init(fr: "Ce lien d'activation n'existe pas.", en: "This activation link does not exist.")
    )
    public static let activationExpired = Problem(
        status: .gone, code: "activation_expired",
        title: .init(fr: "Lien d'activation expiré", en: "Activation link expired"),
        detail: .init(
            fr: "Ce lien n'est plus valide (24 heures écoulées, lien remplacé ou trop d'essais). Demandez un nouveau courriel.",
            en: "This link is no longer valid (24 hours passed, replaced, or too many attempts). Ask for a new e-mail."
        )
    )
    public static let activationUsed = Problem(
        status: .gone, code: "activation_used",
        title: .init(fr: "Lien d'activation déjà utilisé", en: "Activation link already used"),
        detail: .init(fr: "Ce compte est déjà activé; ouvrez une session.", en: "This account is already active; log in.")
    )
    public static let identityMismatch = Problem(
        status: .unprocessableContent, code: "identity_mismatch",
        title: .init(fr: "Renseignements non concordants", en: "Details do not match"),
        detail: .init(
            fr: "La date de naissance ou le numéro de certificat ne correspond pas à votre dossier.",
            en: "The date of birth or certificate number does not match your record."
        )
    )
    public static let passwordMismatch = Problem(
        status: .unprocessableContent, code: "password_mismatch",
        title: .init(fr: "Mots de passe différents", en: "Passwords differ"),
        detail: .init(fr: "Le mot de passe et sa confirmation ne sont pas identiques.", en: "The password and its confirmation are not the same.")
    )
    public static func passwordPolicy(_ errors: [LocalizedFieldError]) -> Problem {
        Problem(
            status: .unprocessableContent, code: "password_policy",
            title: .init(fr: "Mot de passe trop faible", en: "Password too weak"),
            detail: .init(fr: "Le mot de passe ne respecte pas les règles listées.", en: "The password breaks the listed rules."),
            errors: errors
        )
    }
    public static let accountExists = Problem(
        status: .conflict, code: "account_exists",
        title: .init(fr: "Compte déjà actif", en: "Account already active"),
        detail: .init(fr: "Un compte existe déjà pour ce membre ou ce courriel; ouvrez une session.", en: "An account already exists for this member or e-mail; log in.")
    )
    public static let invalidCredentials = Problem(
        status: .unauthorized, code: "invalid_credentials",
        title: .init(fr: "Identifiants invalides", en: "Invalid credentials"),
        detail: .init(fr: "Courriel ou mot de passe incorrect.", en: "Wrong e-mail or password.")
    )
    public static func termsAcceptanceRequired(_ version: String) -> Problem {
        var problem = Problem(
            status: .forbidden, code: "terms_acceptance_required",
            title: .init(fr: "Conditions d'utilisation à accepter", en: "Terms of use to accept"),
            detail: .init(
                fr: "Lisez et acceptez les conditions d'utilisation (acceptTerms: true avec termsVersion).",
                en: "Read and accept the terms of use (acceptTerms: true with termsVersion)."
            )
        )
        problem.termsVersion = version
        return problem
    }
    public static let accountLocked = Problem(
        status: .forbidden, code: "account_locked",
        title: .init(fr: "Compte verrouillé", en: "Account locked"),
        detail: .init(fr: "Ce compte est verrouillé; communiquez avec le soutien du régime.", en: "This account is locked; contact the plan's support.")
    )
    public static let sessionRequired = Problem(
        status: .unauthorized, code: "unauthorized",
        title: .init(fr: "Session requise", en: "Session required"),
        detail: .init(fr: "Ouvrez une session et fournissez son jeton (Authorization: Bearer).", en: "Log in and send the session token (Authorization: Bearer)."),
        headers: [.wwwAuthenticate: "Bearer"]
    )
    public static let termsNotFound = Problem(
        status: .notFound, code: "terms_not_found",
        title: .init(fr: "Aucunes conditions publiées", en: "No terms published"),
        detail: .init(fr: "Ce régime n'a pas encore publié de conditions d'utilisation.", en: "This plan has not published terms of use yet.")
    )
    public static let termsVersionExists = Problem(
        status: .conflict, code: "terms_version_exists",
        title: .init(fr: "Version déjà publiée", en: "Version already published"),
        detail: .init(fr: "Cette version des conditions existe déjà; choisissez un nouveau numéro.", en: "This terms version already exists; choose a new one.")
    )
    public static let resetNotFound = Problem(
        status: .notFound, code: "reset_not_found",
        title: .init(fr: "Lien de réinitialisation introuvable", en: "Reset link not found"),
        detail: .init(fr: "Ce lien de réinitialisation n'existe pas.", en: "This reset link does not exist.")
    )
    public static let resetExpired = Problem(
        status: .gone, code: "reset_expired",
        title: .init(fr: "Lien de réinitialisation expiré", en: "Reset link expired"),
        detail: .init(fr: "Ce lien n'est plus valide; demandez-en un nouveau.", en: "This link is no longer valid; ask for a new one.")
    )
    public static let resetUsed = Problem(
        status: .gone, code: "reset_used",
        title: .init(fr: "Lien de réinitialisation déjà utilisé", en: "Reset link already used"),
        detail: .init(fr: "Ce lien a déjà servi.", en: "This link was already used.")
    )
    public static let securityAnswerMismatch = Problem(
        status: .unprocessableContent, code: "security_answer_mismatch",
        title: .init(fr: "Réponse incorrecte", en: "Wrong answer"),
        detail: .init(fr: "La réponse à la question de vérification est incorrecte.", en: "The answer to the security question is wrong.")
    )
    public static let accountNotFound = Problem(
        status: .notFound, code: "account_not_found",
        title: .init(fr: "Aucun compte", en: "No account"),
        detail: .init(fr: "Ce membre n'a pas encore activé de compte.", en: "This member has not activated an account yet.")
    )
    public static let memberNotFound = Problem(
        status: .notFound, code: "member_not_found",
        title: .init(fr: "Membre introuvable", en: "Member not found"),
        detail: .init(fr: "Aucun membre ne porte ce numéro de certificat.", en: "No member has this certificate number.")
    )
}

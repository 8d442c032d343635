import HTTPTypes

/// The problems shared by every part of the API. Feature-specific ones live beside their feature.
extension Problem {
    public static func validation(_ errors: [LocalizedFieldError]) -> Problem {
        Problem(
            status: .unprocessableContent,
            code: "validation_failed",
            title: .init(fr: "Données invalides", en: "Invalid data"),
            detail: .init(
                fr: "Un ou plusieurs champs ne respectent pas les règles.",
                en: "One or more fields break a rule."
            ),
            errors: errors
        )
    }

    public static func invalidJSON(_ reason: LocalizedText? = nil) -> Problem {
        Problem(
            status: .badRequest,
            code: "invalid_json",
            title: .init(fr: "JSON mal formé", en: "Malformed JSON"),
            detail: reason ?? .init(fr: "Le corps de la requête n'est pas un JSON valide.", en: "The request body is not valid JSON.")
        )
    }

    public static let unsupportedMediaType = Problem(
        status: .unsupportedMediaType,
        code: "unsupported_media_type",
        title: .init(fr: "Type de contenu non pris en charge", en: "Unsupported media type"),
        detail: .init(fr: "Cette opération attend un corps application/json.", en: "This operation expects an application/json body.")
    )

    public static let payloadTooLarge = Problem(
        status: .contentTooLarge,
        code: "payload_too_large",
        title: .init(fr: "Requête trop volumineuse", en: "Payload too large"),
        detail: .init(fr: "Le corps de la requête dépasse la taille permise.", en: "The request body is larger than allowed.")
    )

    public static let notFound = Problem(
        status: .notFound,
        code: "not_found",
        title: .init(fr: "Introuvable", en: "Not found"),
        detail: .init(fr: "Aucune ressource ne correspond à cette adresse.", en: "No resource matches this address.")
    )

    public static let methodNotAllowed = Problem(
        status: .methodNotAllowed,
        code: "method_not_allowed",
        title: .init(fr: "Méthode non permise", en: "Method not allowed"),
        detail: .init(fr: "Cette adresse n'accepte pas cette méthode.", en: "This address does not accept this method.")
    )

    public static let badRequest = Problem(
        status: .badRequest,
        code: "bad_request",
        title: .init(fr: "Requête invalide", en: "Bad request"),
        detail: .init(fr: "La requête est mal formée.", en: "The request is malformed.")
    )

    public static let planNotFound = Problem(
        status: .notFound,
        code: "plan_not_found",
        title: .init(fr: "Régime introuvable", en: "Plan not found"),
        detail: .init(fr: "Aucun régime ne porte cet identifiant.", en: "No plan has this identifier.")
    )

    public static let unauthorized = Problem(
        status: .unauthorized,
        code: "unauthorized",
        title: .init(fr: "Authentification requise", en: "Authentication required"),
        detail: .init(
            fr: "Fournissez une clé valide dans l'en-tête Authorization: Bearer.",
            en: "Provide a valid key in the Authorization: Bearer header."
        ),
        headers: [.wwwAuthenticate: "Bearer"]
    )

    public static let forbiddenRole = Problem(
        status: .forbidden,
        code: "insufficient_role",
        title: .init(fr: "Accès refusé", en: "Access denied"),
        detail: .init(
            fr: "Cette opération est réservée aux clés de rôle platform.",
            en: "This operation is reserved to keys with the platform role."
        )
    )

    public static let planExists = Problem(
        status: .conflict,
        code: "plan_exists",
        title: .init(fr: "Régime déjà existant", en: "Plan already exists"),
        detail: .init(fr: "Un régime porte déjà cet identifiant.", en: "A plan with this identifier already exists.")
    )

    public static let invalidPlanSlug = Problem(
        status: .unprocessableContent,
        code: "invalid_plan_slug",
        title: .init(fr: "Identifiant de régime invalide", en: "Invalid plan identifier"),
        detail: .init(
            fr: "L'identifiant doit compter de 3 à 40 caractères : lettres minuscules, chiffres et traits d'union, commencer par une lettre et ne pas finir par un trait d'union.",
            en: "The identifier must be 3 to 40 characters of lower-case letters, digits and hyphens, start with a letter and not end with a hyphen."
        ),
        errors: [.init(field: "plan", rule: "pattern", message: .init(fr: "Format d'identifiant invalide.", en: "Invalid identifier format."))]
    )

    public static let notReady = Problem(
        status: .serviceUnavailable,
        code: "not_ready",
        title: .init(fr: "Service non prêt", en: "Service not ready"),
        detail: .init(
            fr: "La base de données est injoignable ou des migrations sont en attente.",
            en: "The database is unreachable or migrations are pending."
        )
    )

    public static let internalError = Problem(
        status: .internalServerError,
        code: "internal_error",
        title: .init(fr: "Erreur interne", en: "Internal error"),
        detail: .init(
            fr: "Une erreur inattendue est survenue. Communiquez l'identifiant de requête au soutien.",
            en: "An unexpected error occurred. Give the request id to support."
        )
    )

    public static let serviceBusy = Problem(
        status: .serviceUnavailable,
        code: "service_busy",
        title: .init(fr: "Service surchargé", en: "Service busy"),
        detail: .init(fr: "Le service est momentanément surchargé. Réessayez sous peu.", en: "The service is briefly overloaded. Try again shortly."),
        headers: [.retryAfter: "1"]
    )

    public static let databaseUnavailable = Problem(
        status: .serviceUnavailable,
        code: "database_unavailable",
        title: .init(fr: "Base de données indisponible", en: "Database unavailable"),
        detail: .init(
            fr: "La base de données ne répond pas pour le moment. Réessayez dans quelques secondes.",
            en: "The database is not answering right now. Try again in a few seconds."
        ),
        headers: [.retryAfter: "5"]
    )
}

extension Problem {
    public static let challengeRequired = Problem(
        status: .forbidden,
        code: "challenge_required",
        title: .init(fr: "Vérification requise", en: "Challenge required"),
        detail: .init(
            fr: "Résolvez la vérification anti-robot (GET …/challenge) et envoyez challengeToken.",
            en: "Solve the anti-bot challenge (GET …/challenge) and send challengeToken."
        )
    )

    public static let challengeFailed = Problem(
        status: .forbidden,
        code: "challenge_failed",
        title: .init(fr: "Vérification refusée", en: "Challenge failed"),
        detail: .init(
            fr: "La vérification anti-robot n'a pas été acceptée. Recommencez-la.",
            en: "The anti-bot challenge was not accepted. Solve a new one."
        )
    )

    public static let challengeUnavailable = Problem(
        status: .serviceUnavailable,
        code: "challenge_unavailable",
        title: .init(fr: "Vérification indisponible", en: "Challenge unavailable"),
        detail: .init(
            fr: "Le service de vérification anti-robot ne répond pas. Réessayez dans un moment.",
            en: "The anti-bot verification service is not answering. Try again in a moment."
        ),
        headers: [.retryAfter: "30"]
    )
}

extension Problem {
    /// 422 at configuration: `verifyUrl` set by a plan-admin key (rule `platform_only`), or a URL
    /// the outbound policy refuses (rule `scheme`, `credentials`, `malformed`, `forbidden_address`).
    public static func challengeVerifyUrlForbidden(rule: String) -> Problem {
        Problem(
            status: .unprocessableContent,
            code: "challenge_verify_url_forbidden",
            title: .init(fr: "Adresse de vérification refusée", en: "Verification URL refused"),
            detail: .init(
                fr: "Seules les clés platform peuvent fixer verifyUrl, et seulement vers une adresse https publique.",
                en: "Only platform keys may set verifyUrl, and only to a public https address."
            ),
            errors: [.init(field: "challenge.verifyUrl", rule: rule, message: rule == "platform_only"
                ? .init(fr: "Réservé aux clés platform.", en: "Platform keys only.")
                : .init(fr: "URL https vers une adresse publique, sans identifiants.", en: "An https URL to a public address, without credentials."))]
        )
    }
}

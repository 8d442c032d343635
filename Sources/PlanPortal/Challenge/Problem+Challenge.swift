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

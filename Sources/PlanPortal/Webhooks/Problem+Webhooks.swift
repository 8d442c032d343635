import HTTPTypes

/// Problems of the webhook admin operations (issue #14).
extension Problem {
    /// 422: a URL the outbound policy refuses (rule `scheme`, `credentials`, `malformed`, `forbidden_address`).
    public static func webhookUrlForbidden(rule: String) -> Problem {
        Problem(
            status: .unprocessableContent,
            code: "webhook_url_forbidden",
            title: .init(fr: "Adresse de webhook refusée", en: "Webhook URL refused"),
            detail: .init(
                fr: "Un webhook doit être une URL https vers une adresse publique, sans identifiants.",
                en: "A webhook must be an https URL to a public address, without credentials."
            ),
            errors: [.init(field: "url", rule: rule, message: .init(
                fr: "URL https vers une adresse publique, sans identifiants.", en: "An https URL to a public address, without credentials."
            ))]
        )
    }

    public static let webhookNotFound = Problem(
        status: .notFound,
        code: "webhook_not_found",
        title: .init(fr: "Webhook introuvable", en: "Webhook not found"),
        detail: .init(fr: "Aucun webhook de ce régime ne porte cet identifiant.", en: "No webhook of this plan has this identifier.")
    )

    public static let webhookDeliveryNotFound = Problem(
        status: .notFound,
        code: "webhook_delivery_not_found",
        title: .init(fr: "Livraison introuvable", en: "Delivery not found"),
        detail: .init(fr: "Aucune livraison de ce webhook ne porte cet identifiant.", en: "No delivery of this webhook has this identifier.")
    )

    public static let webhookLimitReached = Problem(
        status: .conflict,
        code: "webhook_limit_reached",
        title: .init(fr: "Trop de webhooks", en: "Too many webhooks"),
        detail: .init(
            fr: "Ce régime a déjà \(WebhookRepository.maxEndpointsPerPlan) webhooks. Supprimez-en un avant d'en ajouter.",
            en: "This plan already has \(WebhookRepository.maxEndpointsPerPlan) webhooks. Delete one before adding another."
        )
    )

    public static let webhookDisabled = Problem(
        status: .conflict,
        code: "webhook_disabled",
        title: .init(fr: "Webhook désactivé", en: "Webhook disabled"),
        detail: .init(fr: "Réactivez ce webhook (enabled: true) avant de rejouer une livraison.", en: "Enable this webhook (enabled: true) before replaying a delivery.")
    )

    public static let webhookDeliveryPending = Problem(
        status: .conflict,
        code: "webhook_delivery_pending",
        title: .init(fr: "Livraison en cours", en: "Delivery still pending"),
        detail: .init(
            fr: "Cette livraison sera encore tentée; seule une livraison réussie ou abandonnée peut être rejouée.",
            en: "This delivery will be tried again; only a succeeded or dead delivery can be replayed."
        )
    )
}

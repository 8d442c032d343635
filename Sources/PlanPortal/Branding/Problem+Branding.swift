import HTTPTypes

/// Problems of a plan's branding (issue #12).
extension Problem {
    /// 415 for a logo whose first bytes are not a PNG, JPEG or WebP image (whatever its Content-Type says).
    public static let unsupportedLogoType = Problem(
        status: .unsupportedMediaType,
        code: "unsupported_media_type",
        title: .init(fr: "Type de contenu non pris en charge", en: "Unsupported media type"),
        detail: .init(fr: "Le logo doit être une image PNG, JPEG ou WebP.", en: "The logo must be a PNG, JPEG or WebP image.")
    )

    public static let logoTooLarge = Problem(
        status: .contentTooLarge,
        code: "payload_too_large",
        title: .init(fr: "Fichier trop volumineux", en: "File too large"),
        detail: .init(fr: "Le logo dépasse 256 Kio.", en: "The logo is larger than 256 KiB.")
    )

    public static let logoInvalid = Problem(
        status: .unprocessableContent,
        code: "logo_invalid",
        title: .init(fr: "Logo illisible", en: "Unreadable logo"),
        detail: .init(
            fr: "L'en-tête de l'image ne donne pas ses dimensions, ou un côté dépasse 4096 pixels.",
            en: "The image header gives no size, or a side is over 4096 pixels."
        )
    )

    public static let logoNotFound = Problem(
        status: .notFound,
        code: "logo_not_found",
        title: .init(fr: "Aucun logo", en: "No logo"),
        detail: .init(fr: "Ce régime n'a pas de logo.", en: "This plan has no logo.")
    )
}

import HTTPTypes

/// Problems of benefits, coverage and claims (issue #5).
extension Problem {
    public static let benefitsNotConfigured = Problem(
        status: .notFound,
        code: "benefits_not_configured",
        title: .init(fr: "Garanties non configurées", en: "Benefits not configured"),
        detail: .init(fr: "Les garanties de ce régime n'ont pas encore été définies.", en: "This plan's benefits have not been set yet.")
    )

    public static let claimNotFound = Problem(
        status: .notFound,
        code: "claim_not_found",
        title: .init(fr: "Réclamation introuvable", en: "Claim not found"),
        detail: .init(fr: "Aucune réclamation ne porte cet identifiant.", en: "No claim has this identifier.")
    )

    public static let attachmentNotFound = Problem(
        status: .notFound,
        code: "attachment_not_found",
        title: .init(fr: "Pièce jointe introuvable", en: "Attachment not found"),
        detail: .init(fr: "Aucune pièce jointe ne porte cet identifiant.", en: "No attachment has this identifier.")
    )

    public static let idempotencyKeyRequired = Problem.validation([
        .init(
            field: "Idempotency-Key", rule: "required",
            message: .init(
                fr: "L'en-tête Idempotency-Key (1 à 100 caractères imprimables) est obligatoire.",
                en: "The Idempotency-Key header (1 to 100 printable characters) is required."
            )
        ),
    ])

    public static let idempotencyKeyReused = Problem(
        status: .unprocessableContent,
        code: "idempotency_key_reused",
        title: .init(fr: "Clé d'idempotence déjà utilisée", en: "Idempotency key reused"),
        detail: .init(
            fr: "Cette clé Idempotency-Key a déjà servi, dans les dernières 24 heures, pour une autre réclamation.",
            en: "This Idempotency-Key was already used, within the last 24 hours, for a different claim."
        )
    )

    /// 415 for an attachment whose first bytes are not a PDF, JPEG or PNG (whatever its Content-Type says).
    public static let unsupportedAttachmentType = Problem(
        status: .unsupportedMediaType,
        code: "unsupported_media_type",
        title: .init(fr: "Type de contenu non pris en charge", en: "Unsupported media type"),
        detail: .init(
            fr: "Le reçu doit être un fichier PDF, JPEG ou PNG.",
            en: "The receipt must be a PDF, JPEG or PNG file."
        )
    )

    public static let attachmentTooLarge = Problem(
        status: .contentTooLarge,
        code: "payload_too_large",
        title: .init(fr: "Fichier trop volumineux", en: "File too large"),
        detail: .init(fr: "Le reçu dépasse 10 Mio.", en: "The receipt is larger than 10 MiB.")
    )

    /// 422: the claim already has its `AttachmentLimits.perClaim` receipts.
    public static let attachmentLimitReached = Problem(
        status: .unprocessableContent,
        code: "attachment_limit_reached",
        title: .init(fr: "Trop de pièces jointes", en: "Too many attachments"),
        detail: .init(
            fr: "Cette réclamation a déjà \(AttachmentLimits.perClaim) reçus, le maximum.",
            en: "This claim already has \(AttachmentLimits.perClaim) receipts, the maximum."
        )
    )

    /// 429: the account sent its `AttachmentLimits.dailyBytes` of receipts within 24 hours.
    public static func uploadQuotaExceeded(retryAfter seconds: Int) -> Problem {
        Problem(
            status: .tooManyRequests,
            code: "upload_quota_exceeded",
            title: .init(fr: "Quota de téléversement atteint", en: "Upload quota reached"),
            detail: .init(
                fr: "Vous avez téléversé 50 Mio de reçus dans les dernières 24 heures. Réessayez dans \(seconds) secondes.",
                en: "You uploaded 50 MiB of receipts within the last 24 hours. Try again in \(seconds) seconds."
            ),
            headers: [.retryAfter: "\(seconds)"]
        )
    }

    public static let claimNotEditable = Problem(
        status: .conflict,
        code: "claim_not_editable",
        title: .init(fr: "Réclamation verrouillée", en: "Claim locked"),
        detail: .init(
            fr: "On ne peut ajouter de pièce jointe qu'à une réclamation au statut « submitted ».",
            en: "Attachments can only be added while the claim is submitted."
        )
    )

    /// 409: the claim's current status does not allow this change.
    public static func invalidTransition(from: ClaimStatus, to: ClaimStatus) -> Problem {
        Problem(
            status: .conflict,
            code: "invalid_transition",
            title: .init(fr: "Transition interdite", en: "Invalid transition"),
            detail: .init(
                fr: "La réclamation est au statut « \(from.rawValue) » et ne peut passer à « \(to.rawValue) ».",
                en: "The claim is \(from.rawValue) and cannot become \(to.rawValue)."
            )
        )
    }

    /// 422: the approved amount is above what the category's percent, per-claim maximum and
    /// remaining annual maximum allow.
    public static func approvedAmountAboveCap(_ cap: Int64) -> Problem {
        Problem(
            status: .unprocessableContent,
            code: "approved_amount_above_cap",
            title: .init(fr: "Montant approuvé trop élevé", en: "Approved amount too high"),
            detail: .init(
                fr: "Le montant approuvé dépasse le maximum permis pour cette réclamation : \(cap) cents.",
                en: "The approved amount is above the maximum allowed for this claim: \(cap) cents."
            ),
            errors: [.init(
                field: "approvedAmountCents", rule: "maximum",
                message: .init(fr: "Au plus \(cap) cents.", en: "At most \(cap) cents.")
            )]
        )
    }
}

extension LocalizedFieldError {
    /// A 422 field error of the claims features.
    static func claims(_ field: String, _ rule: String, fr: String, en: String) -> LocalizedFieldError {
        LocalizedFieldError(field: field, rule: rule, message: .init(fr: fr, en: en))
    }
}

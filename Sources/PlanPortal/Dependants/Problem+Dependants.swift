import HTTPTypes

/// Problems of dependants and enrolment requests (issue #14).
extension Problem {
    /// 422: the claim's patient is not a covered person of the member's family on the service date
    /// (or is no dependant of theirs at all).
    public static let patientNotCovered = Problem(
        status: .unprocessableContent,
        code: "patient_not_covered",
        title: .init(fr: "Personne non couverte", en: "Person not covered"),
        detail: .init(
            fr: "Cette personne n'est pas couverte par votre régime à la date de service.",
            en: "This person is not covered by your plan on the service date."
        ),
        errors: [.init(field: "patient", rule: "not_covered", message: .init(fr: "Personne non couverte à cette date.", en: "Person not covered on this date."))]
    )

    public static let dependantRequestNotFound = Problem(
        status: .notFound,
        code: "dependant_request_not_found",
        title: .init(fr: "Demande introuvable", en: "Request not found"),
        detail: .init(fr: "Aucune demande d'adhésion ne porte cet identifiant.", en: "No enrolment request has this identifier.")
    )

    /// 409: the request was already approved or denied.
    public static let dependantRequestAlreadyDecided = Problem(
        status: .conflict,
        code: "dependant_request_decided",
        title: .init(fr: "Demande déjà traitée", en: "Request already decided"),
        detail: .init(fr: "Cette demande d'adhésion a déjà été approuvée ou refusée.", en: "This enrolment request was already approved or denied.")
    )

    /// 409: documents can only be added while the request waits for its decision.
    public static let dependantRequestNotEditable = Problem(
        status: .conflict,
        code: "dependant_request_not_editable",
        title: .init(fr: "Demande verrouillée", en: "Request locked"),
        detail: .init(
            fr: "On ne peut ajouter de pièce justificative qu'à une demande en attente de décision.",
            en: "Documents can only be added while the request awaits its decision."
        )
    )

    /// 409: another dependant of the plan already has this id.
    public static let dependantIdTaken = Problem(
        status: .conflict,
        code: "dependant_id_taken",
        title: .init(fr: "Identifiant déjà utilisé", en: "Dependant id taken"),
        detail: .init(fr: "Une autre personne à charge du régime porte déjà cet identifiant.", en: "Another dependant of this plan already has this id."),
        errors: [.init(field: "dependantId", rule: "unique", message: .init(fr: "Identifiant déjà utilisé.", en: "Id already in use."))]
    )

    /// 422: the member already has `DependantLimits.pendingRequests` requests awaiting a decision.
    public static let dependantRequestLimitReached = Problem(
        status: .unprocessableContent,
        code: "dependant_request_limit_reached",
        title: .init(fr: "Trop de demandes en attente", en: "Too many pending requests"),
        detail: .init(
            fr: "Vous avez déjà \(DependantLimits.pendingRequests) demandes d'adhésion en attente de décision.",
            en: "You already have \(DependantLimits.pendingRequests) enrolment requests awaiting a decision."
        )
    )

    /// 422: the request already has `AttachmentLimits.perClaim` documents.
    public static let documentLimitReached = Problem(
        status: .unprocessableContent,
        code: "attachment_limit_reached",
        title: .init(fr: "Trop de pièces justificatives", en: "Too many documents"),
        detail: .init(
            fr: "Cette demande a déjà \(AttachmentLimits.perClaim) pièces justificatives, le maximum.",
            en: "This request already has \(AttachmentLimits.perClaim) documents, the maximum."
        )
    )
}

/// How many enrolment requests a member may have open.
enum DependantLimits {
    static let pendingRequests = 10
}

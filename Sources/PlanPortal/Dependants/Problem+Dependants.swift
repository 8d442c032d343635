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
}

import Foundation

extension MailTemplates {
    /// "We received / approved / denied your request to enrol Léa": sent when a member asks to
    /// enrol a dependant and when the TPA decides, in the member's language. Names the dependant by
    /// first name, never by date of birth.
    static func dependantRequest(plan: Plan, language: Language, to: String, request: DependantRequest) -> MailMessage {
        let reference = String(request.id.uuidString.lowercased().prefix(8))
        let who = "\(request.firstName) \(request.lastName)"
        let number = request.dependantId.map { LocalizedText(fr: " (numéro de personne à charge : \($0))", en: " (dependant number: \($0))")(language) } ?? ""
        let (subject, what): (LocalizedText, LocalizedText) = switch request.status {
        case .submitted: (
            .init(fr: "demande d'adhésion reçue", en: "enrolment request received"),
            .init(fr: "a bien été reçue; elle sera étudiée par l'administrateur du régime", en: "was received; the plan administrator will review it")
        )
        case .approved: (.init(fr: "demande d'adhésion approuvée", en: "enrolment request approved"), .init(fr: "a été approuvée", en: "was approved"))
        case .denied: (.init(fr: "demande d'adhésion refusée", en: "enrolment request denied"), .init(fr: "a été refusée", en: "was denied"))
        }
        let submitted = request.status == .submitted
        let late = LocalizedText(
            fr: "Cette demande a été faite plus de \(plan.enrolmentWindowDays) jours après l'événement : des frais de retard ou des primes rétroactives peuvent s'appliquer.",
            en: "This request was made more than \(plan.enrolmentWindowDays) days after the event: a late fee or back premiums may apply."
        )
        return portalNotice(
            plan: plan, language: language, to: to,
            subject: subject(language) + " (\(reference))",
            body: [
                LocalizedText(fr: "Votre demande d'adhésion \(reference) pour \(who) ", en: "Your enrolment request \(reference) for \(who) ")(language) + what(language) + number + ".",
                submitted && request.late ? late(language) : nil,
            ],
            reason: request.reason,
            prompt: submitted
                ? .init(fr: "Vous pouvez y joindre des pièces justificatives dans le portail des participants :", en: "You can add proof documents to it in the member portal:")
                : nil
        )
    }
}

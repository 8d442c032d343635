import Foundation

extension MailTemplates {
    /// "We received / approved / denied your request to enrol Léa": sent when a member asks to
    /// enrol a dependant and when the TPA decides, in the member's language. Names the dependant by
    /// first name, never by date of birth.
    static func dependantRequest(plan: Plan, language: Language, to: String, request: DependantRequest) -> MailMessage {
        let name = plan.name(language)
        let reference = String(request.id.uuidString.lowercased().prefix(8))
        let who = "\(request.firstName) \(request.lastName)"
        switch language {
        case .fr:
            let what: String = switch request.status {
            case .submitted: "a bien été reçue; elle sera étudiée par l'administrateur du régime"
            case .approved: "a été approuvée" + (request.dependantId.map { " (numéro de personne à charge : \($0))" } ?? "")
            case .denied: "a été refusée"
            }
            let subject: String = switch request.status {
            case .submitted: "demande d'adhésion reçue"
            case .approved: "demande d'adhésion approuvée"
            case .denied: "demande d'adhésion refusée"
            }
            return compose(
                to: to, subject: "\(name) : \(subject) (\(reference))",
                paragraphs: [
                    "Bonjour,",
                    "Votre demande d'adhésion \(reference) pour \(who) \(what).",
                    request.status == .submitted && request.late
                        ? "Cette demande a été faite plus de \(plan.enrolmentWindowDays) jours après l'événement : des frais de retard ou des primes rétroactives peuvent s'appliquer." : "",
                    request.status == .submitted ? "Vous pouvez y joindre des pièces justificatives dans le portail des participants :" : "Consultez le détail dans le portail des participants :",
                    request.reason.map { "Motif : \($0)" } ?? "",
                    "{LINK}",
                    supportLine(plan, language),
                ].filter { !$0.isEmpty },
                link: plan.portalUrl, linkLabel: "Ouvrir le portail"
            )
        case .en:
            let what: String = switch request.status {
            case .submitted: "was received; the plan administrator will review it"
            case .approved: "was approved" + (request.dependantId.map { " (dependant number: \($0))" } ?? "")
            case .denied: "was denied"
            }
            let subject: String = switch request.status {
            case .submitted: "enrolment request received"
            case .approved: "enrolment request approved"
            case .denied: "enrolment request denied"
            }
            return compose(
                to: to, subject: "\(name): \(subject) (\(reference))",
                paragraphs: [
                    "Hello,",
                    "Your enrolment request \(reference) for \(who) \(what).",
                    request.status == .submitted && request.late
                        ? "This request was made more than \(plan.enrolmentWindowDays) days after the event: a late fee or back premiums may apply." : "",
                    request.status == .submitted ? "You can add proof documents to it in the member portal:" : "See the details in the member portal:",
                    request.reason.map { "Reason: \($0)" } ?? "",
                    "{LINK}",
                    supportLine(plan, language),
                ].filter { !$0.isEmpty },
                link: plan.portalUrl, linkLabel: "Open the portal"
            )
        }
    }
}

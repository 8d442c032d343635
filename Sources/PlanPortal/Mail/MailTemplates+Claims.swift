import Foundation

extension MailTemplates {
    /// "Your claim was approved…": sent on every TPA transition, in the member's language. Holds the
    /// claim's short reference, provider, amounts and the TPA's reason; no certificate number.
    static func claimStatusChanged(plan: Plan, language: Language, to: String, claim: ClaimSummary, reason: String?) -> MailMessage {
        let name = plan.name(language)
        let reference = String(claim.id.uuidString.lowercased().prefix(8))
        let amount = money(claim.amountCents, language)
        let approved = claim.approvedAmountCents.map { money($0, language) } ?? ""
        let link = plan.portalUrl
        switch language {
        case .fr:
            let what: String = switch claim.status {
            case .submitted: "a été reçue"
            case .inReview: "est à l'étude"
            case .approved: "a été approuvée : \(approved) vous seront remboursés"
            case .partiallyApproved: "a été approuvée en partie : \(approved) vous seront remboursés sur \(amount)"
            case .denied: "a été refusée"
            case .paid: "a été payée (\(approved))"
            }
            return compose(
                to: to, subject: "\(name) : votre réclamation \(reference) \(what.split(separator: ":").first.map(String.init) ?? what)",
                paragraphs: [
                    "Bonjour,",
                    "Votre réclamation \(reference) (\(claim.providerName), \(claim.serviceDate), \(amount)) \(what).",
                    reason.map { "Motif : \($0)" } ?? "",
                    "Consultez le détail dans le portail des participants :",
                    "{LINK}",
                    supportLine(plan, language),
                ].filter { !$0.isEmpty },
                link: link, linkLabel: "Ouvrir le portail"
            )
        case .en:
            let what: String = switch claim.status {
            case .submitted: "was received"
            case .inReview: "is being reviewed"
            case .approved: "was approved: you will be reimbursed \(approved)"
            case .partiallyApproved: "was partially approved: you will be reimbursed \(approved) of \(amount)"
            case .denied: "was denied"
            case .paid: "was paid (\(approved))"
            }
            return compose(
                to: to, subject: "\(name): your claim \(reference) \(what.split(separator: ":").first.map(String.init) ?? what)",
                paragraphs: [
                    "Hello,",
                    "Your claim \(reference) (\(claim.providerName), \(claim.serviceDate), \(amount)) \(what).",
                    reason.map { "Reason: \($0)" } ?? "",
                    "See the details in the member portal:",
                    "{LINK}",
                    supportLine(plan, language),
                ].filter { !$0.isEmpty },
                link: link, linkLabel: "Open the portal"
            )
        }
    }

    /// `12,34 $` in French, `$12.34` in English.
    static func money(_ cents: Int64, _ language: Language) -> String {
        let units = cents / 100
        let rest = String(format: "%02d", Int(cents % 100))
        return language == .fr ? "\(units),\(rest) $" : "$\(units).\(rest)"
    }
}

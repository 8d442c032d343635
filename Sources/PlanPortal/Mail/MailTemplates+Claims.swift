import Foundation

extension MailTemplates {
    /// "Your claim was approved…": sent on every TPA transition, in the member's language. Holds the
    /// claim's short reference, provider, amounts and the TPA's reason; no certificate number.
    static func claimStatusChanged(plan: Plan, language: Language, to: String, claim: ClaimSummary, reason: String?) -> MailMessage {
        let reference = String(claim.id.uuidString.lowercased().prefix(8))
        let amount = money(claim.amountCents, language)
        let approved = claim.approvedAmountCents.map { money($0, language) } ?? ""
        let what: LocalizedText = switch claim.status {
        case .submitted: .init(fr: "a été reçue", en: "was received")
        case .inReview: .init(fr: "est à l'étude", en: "is being reviewed")
        case .approved: .init(fr: "a été approuvée : \(approved) vous seront remboursés", en: "was approved: you will be reimbursed \(approved)")
        case .partiallyApproved: .init(
            fr: "a été approuvée en partie : \(approved) vous seront remboursés sur \(amount)",
            en: "was partially approved: you will be reimbursed \(approved) of \(amount)"
        )
        case .denied: .init(fr: "a été refusée", en: "was denied")
        case .paid: .init(fr: "a été payée (\(approved))", en: "was paid (\(approved))")
        }
        let text = what(language)
        let claimWord = LocalizedText(fr: "votre réclamation", en: "your claim")(language)
        return portalNotice(
            plan: plan, language: language, to: to,
            subject: "\(claimWord) \(reference) \(text.split(separator: ":").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? text)",
            body: [
                LocalizedText(fr: "Votre réclamation", en: "Your claim")(language)
                    + " \(reference) (\(claim.providerName), \(claim.serviceDate), \(amount)) \(text)."
            ],
            reason: reason
        )
    }

    /// `12,34 $` in French, `$12.34` in English.
    static func money(_ cents: Int64, _ language: Language) -> String {
        let units = cents / 100
        let rest = String(format: "%02d", Int(cents % 100))
        return language == .fr ? "\(units),\(rest) $" : "$\(units).\(rest)"
    }
}

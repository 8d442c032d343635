import Foundation

/// A plan's terms of use in one language, as `getTerms` answers.
struct Terms: Codable, Sendable, Equatable {
    var version: String
    var text: String
    var publishedAt: Date
}

/// Body of `PUT /v1/admin/plans/{plan}/terms` (`publishTerms`).
struct TermsPublication: Decodable, Sendable {
    var version: String
    var textFr: String
    var textEn: String

    func validate() throws {
        var errors: [LocalizedFieldError] = []
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
        if version.isEmpty || version.count > 40 || !version.unicodeScalars.allSatisfy({ allowed.contains($0) }) {
            errors.append(.init(field: "version", rule: "pattern", message: .init(fr: "1 à 40 caractères : lettres, chiffres, . - _", en: "1 to 40 characters: letters, digits, . - _")))
        }
        for (field, text) in [("textFr", textFr), ("textEn", textEn)] {
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || text.count > 100_000 {
                errors.append(.init(field: field, rule: "length", message: .init(fr: "Texte obligatoire (100 000 caractères au plus).", en: "Text required (at most 100,000 characters).")))
            } else if text.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) && !"\n\r\t".unicodeScalars.contains($0) }) {
                // PostgreSQL text cannot hold NUL: refused here rather than failing in the INSERT.
                errors.append(.init(field: field, rule: "no_control_characters", message: .init(
                    fr: "Caractères de contrôle interdits (sauf sauts de ligne et tabulations).", en: "Control characters are not allowed (except line breaks and tabs)."
                )))
            }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }
}

/// `publishTerms`' answer.
struct PublishedTerms: Codable, Sendable {
    var version: String
    var publishedAt: Date
}

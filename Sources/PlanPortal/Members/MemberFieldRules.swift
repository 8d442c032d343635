import Foundation

/// Shape rules shared by the identity and activation steps and the member's own settings.
enum MemberFieldRules {
    static func dateOfBirth(_ value: String) -> [LocalizedFieldError] {
        CalendarDate.isValidPast(value) ? [] : [
            .init(field: "dateOfBirth", rule: "date", message: .init(fr: "Date AAAA-MM-JJ passée.", en: "A past date YYYY-MM-DD.")),
        ]
    }

    static func certificate(_ value: String) -> [LocalizedFieldError] {
        let key = MatchKey.certificate(value)
        return !key.isEmpty && key.count <= 30 && key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) ? [] : [
            .init(field: "certificateNumber", rule: "pattern", message: .init(fr: "Lettres et chiffres (30 au plus).", en: "Letters and digits (at most 30).")),
        ]
    }

    /// A question of the plan's list and an answer of 2 to 200 characters (2 once normalised).
    static func securityQuestion(id: String, answer: String, plan: Plan) -> [LocalizedFieldError] {
        var errors: [LocalizedFieldError] = []
        if !plan.securityQuestions.contains(where: { $0.id == id }) {
            errors.append(.init(field: "securityQuestionId", rule: "enum", message: .init(fr: "Question inconnue.", en: "Unknown question.")))
        }
        if SecurityQuestion.normalizedAnswer(answer).count < 2 || answer.count > 200 {
            errors.append(.init(field: "securityAnswer", rule: "length", message: .init(fr: "Réponse de 2 à 200 caractères.", en: "Answer of 2 to 200 characters.")))
        }
        return errors
    }
}

import Foundation

/// Shape rules shared by the identity and activation steps.
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
}

import Foundation

/// Body of `POST /v1/plans/{plan}/registrations`.
public struct RegistrationStart: Decodable, Sendable {
    public var email: String
    public var emailConfirmation: String
    public var locale: Language?

    /// The normalised e-mail (trimmed, lower-case) after the seed's checks, for `plan`.
    public func validatedEmail(for plan: Plan) throws -> String {
        let email = Self.normalize(self.email)
        guard email == Self.normalize(emailConfirmation) else { throw Problem.emailMismatch }
        guard EmailAddress.isValid(email) else { throw Problem.invalidEmail }
        let domain = String(email.split(separator: "@").last ?? "")
        guard plan.emailDomains.contains(domain) else { throw Problem.emailDomainNotAllowed }
        return email
    }

    static func normalize(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}

/// Body of `POST /v1/plans/{plan}/registrations/{registrationId}/identity` (seed step 6).
public struct IdentitySubmission: Decodable, Sendable {
    public var lastName: String
    public var firstName: String
    public var dateOfBirth: String
    public var certificateNumber: String
    public var challengeToken: String?

    /// Shape checks only (never against the roster), so their 422s reveal nothing about members.
    public func validate() throws {
        var errors: [LocalizedFieldError] = []
        for (field, value) in [("lastName", lastName), ("firstName", firstName)] where MatchKey.name(value).isEmpty || value.count > 100 {
            errors.append(.init(field: field, rule: "required", message: .init(fr: "Nom obligatoire (100 caractères au plus).", en: "Name required (at most 100 characters).")))
        }
        errors.append(contentsOf: MemberFieldRules.dateOfBirth(dateOfBirth))
        errors.append(contentsOf: MemberFieldRules.certificate(certificateNumber))
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }
}

/// Body of `POST /v1/plans/{plan}/activations/{token}` (seed step 9).
public struct ActivationSubmission: Decodable, Sendable {
    public var dateOfBirth: String
    public var certificateNumber: String
    public var password: String
    public var passwordConfirmation: String
    public var securityQuestionId: String
    public var securityAnswer: String

    /// What can be checked before the token is looked up (email-independent rules), so a
    /// malformed body gets its 422 whatever state the link is in.
    public func validateBeforeToken(plan: Plan) throws {
        try validate(plan: plan, email: nil)
    }

    /// Everything that can be checked without the roster: shapes, confirmation, policy, question.
    public func validate(plan: Plan, email: String?) throws {
        var errors = MemberFieldRules.dateOfBirth(dateOfBirth) + MemberFieldRules.certificate(certificateNumber)
        if !plan.securityQuestions.contains(where: { $0.id == securityQuestionId }) {
            errors.append(.init(field: "securityQuestionId", rule: "enum", message: .init(fr: "Question inconnue.", en: "Unknown question.")))
        }
        let answer = SecurityQuestion.normalizedAnswer(securityAnswer)
        if answer.count < 2 || securityAnswer.count > 200 {
            errors.append(.init(field: "securityAnswer", rule: "length", message: .init(fr: "Réponse de 2 à 200 caractères.", en: "Answer of 2 to 200 characters.")))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        guard password == passwordConfirmation else { throw Problem.passwordMismatch }
        try plan.passwordPolicy.check(password, email: email)
    }
}

/// Body of `POST /v1/plans/{plan}/sessions` (seed step 10).
public struct LoginRequest: Decodable, Sendable {
    public var email: String
    public var password: String
    /// Absent means false.
    public var acceptTerms: Bool?
    public var termsVersion: String?
    public var challengeToken: String?

}

/// Body of `POST /v1/plans/{plan}/password-resets`.
public struct PasswordResetRequest: Decodable, Sendable {
    public var email: String
    public var challengeToken: String?

}

/// Body of `POST /v1/plans/{plan}/password-resets/{token}`.
public struct PasswordResetCompletion: Decodable, Sendable {
    public var securityAnswer: String
    public var password: String
    public var passwordConfirmation: String

    /// Rules that need neither the link nor the account: confirmation and the e-mail-independent
    /// password rules (the e-mail's local part is checked once the link names the account).
    public func validateBeforeToken(plan: Plan) throws {
        guard securityAnswer.count <= 200 else {
            throw Problem.validation([.init(field: "securityAnswer", rule: "length", message: .init(fr: "Au plus 200 caractères.", en: "At most 200 characters."))])
        }
        guard password == passwordConfirmation else { throw Problem.passwordMismatch }
        try plan.passwordPolicy.check(password, email: nil)
    }
}

/// Body of `PUT /v1/admin/plans/{plan}/terms`.
public struct TermsPublication: Decodable, Sendable {
    public var version: String
    public var textFr: String
    public var textEn: String

    public func validate() throws {
        var errors: [LocalizedFieldError] = []
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
        if version.isEmpty || version.count > 40 || !version.unicodeScalars.allSatisfy({ allowed.contains($0) }) {
            errors.append(.init(field: "version", rule: "pattern", message: .init(fr: "1 à 40 caractères : lettres, chiffres, . - _", en: "1 to 40 characters: letters, digits, . - _")))
        }
        for (field, text) in [("textFr", textFr), ("textEn", textEn)] where text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || text.count > 100_000 {
            errors.append(.init(field: field, rule: "length", message: .init(fr: "Texte obligatoire (100 000 caractères au plus).", en: "Text required (at most 100,000 characters).")))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }
}

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

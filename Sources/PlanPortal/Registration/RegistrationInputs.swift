import Foundation

/// Body of `POST /v1/plans/{plan}/registrations` (`startRegistration`, RAMU step 4: the institutional e-mail twice).
struct RegistrationStart: Decodable, Sendable {
    var email: String
    var emailConfirmation: String
    var locale: Language?

    /// The normalised e-mail (trimmed, lower-case) after the guide's checks, for `plan`.
    func validatedEmail(for plan: Plan) throws -> String {
        let email = EmailAddress.normalize(self.email)
        guard email == EmailAddress.normalize(emailConfirmation) else { throw Problem.emailMismatch }
        guard EmailAddress.isValid(email) else { throw Problem.invalidEmail }
        let domain = String(email.split(separator: "@").last ?? "")
        guard plan.emailDomains.contains(domain) else { throw Problem.emailDomainNotAllowed }
        return email
    }
}

/// Body of `POST /v1/plans/{plan}/registrations/{registrationId}/identity` (`submitIdentity`, RAMU step 6).
struct IdentitySubmission: Decodable, Sendable {
    var lastName: String
    var firstName: String
    var dateOfBirth: String
    var certificateNumber: String
    var challengeToken: String?

    /// Shape checks only (never against the roster), so their 422s reveal nothing about members.
    func validate() throws {
        var errors: [LocalizedFieldError] = []
        for (field, value) in [("lastName", lastName), ("firstName", firstName)] where MatchKey.name(value).isEmpty || value.count > 100 {
            errors.append(.init(field: field, rule: "required", message: .init(fr: "Nom obligatoire (100 caractères au plus).", en: "Name required (at most 100 characters).")))
        }
        errors.append(contentsOf: MemberFieldRules.dateOfBirth(dateOfBirth))
        errors.append(contentsOf: MemberFieldRules.certificate(certificateNumber))
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }
}

/// Body of `POST /v1/plans/{plan}/activations/{token}` (`activateAccount`, RAMU step 9).
struct ActivationSubmission: Decodable, Sendable {
    var dateOfBirth: String
    var certificateNumber: String
    var password: String
    var passwordConfirmation: String
    var securityQuestionId: String
    var securityAnswer: String

    /// What can be checked before the token is looked up (email-independent rules), so a
    /// malformed body gets its 422 whatever state the link is in.
    func validateBeforeToken(plan: Plan) throws {
        try validate(plan: plan, email: nil)
    }

    /// Everything that can be checked without the roster: shapes, confirmation, policy, question.
    func validate(plan: Plan, email: String?) throws {
        let errors = MemberFieldRules.dateOfBirth(dateOfBirth) + MemberFieldRules.certificate(certificateNumber)
            + MemberFieldRules.securityQuestion(id: securityQuestionId, answer: securityAnswer, plan: plan)
        guard errors.isEmpty else { throw Problem.validation(errors) }
        guard password == passwordConfirmation else { throw Problem.passwordMismatch }
        try plan.passwordPolicy.check(password, email: email)
    }
}

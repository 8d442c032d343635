import Foundation

/// A registration `startRegistration` opened; the identity step comes next.
struct RegistrationStarted: Codable, Sendable {
    @LowercaseUUID var registrationId: UUID
    var expiresAt: Date
    var next = "identity"
}

/// What `getActivation` tells about a usable link, without using it.
struct ActivationStatus: Codable, Sendable {
    var status = "valid"
    var expiresAt: Date
    /// `j•••@umontreal.ca`: enough to recognise one's address, not to learn it.
    var emailHint: String

    init(expiresAt: Date, email: String) {
        self.expiresAt = expiresAt
        let parts = email.split(separator: "@", maxSplits: 1)
        if parts.count == 2, let first = parts[0].first {
            emailHint = "\(first)•••@\(parts[1])"
        } else {
            emailHint = "•••"
        }
    }
}

/// The password rules of a plan as `getPasswordPolicy` shows them: the policy's settings and
/// each rule in force with its text in the reader's language.
struct PasswordPolicyView: Encodable, Sendable {
    var policy: PasswordPolicy
    var rules: [LocalizedItem]

    init(_ policy: PasswordPolicy, language: Language) {
        self.policy = policy
        rules = policy.rules.map { LocalizedItem(id: $0.id, text: $0.text(language)) }
    }

    enum CodingKeys: String, CodingKey {
        case rules
    }

    /// The contract's `allOf`: the policy's fields and `rules` in one object.
    func encode(to encoder: any Encoder) throws {
        try policy.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rules, forKey: .rules)
    }
}

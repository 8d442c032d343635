import Foundation

/// A plan's password rules. The default is the guide's rule (an upper-case letter, a lower-case
/// letter, a special character, at least two letters) with 8 to 128 characters, the common-password
/// block-list, and not the e-mail's local part.
public struct PasswordPolicy: Codable, Sendable, Equatable {
    public var minLength: Int
    public var maxLength: Int
    public var requireUppercase: Bool
    public var requireLowercase: Bool
    public var requireSpecial: Bool
    public var minLetters: Int
    public var blockCommonPasswords: Bool
    public var rejectEmailLocalPart: Bool

    public init(
        minLength: Int = 8, maxLength: Int = 128, requireUppercase: Bool = true, requireLowercase: Bool = true,
        requireSpecial: Bool = true, minLetters: Int = 2, blockCommonPasswords: Bool = true, rejectEmailLocalPart: Bool = true
    ) {
        self.minLength = minLength
        self.maxLength = maxLength
        self.requireUppercase = requireUppercase
        self.requireLowercase = requireLowercase
        self.requireSpecial = requireSpecial
        self.minLetters = minLetters
        self.blockCommonPasswords = blockCommonPasswords
        self.rejectEmailLocalPart = rejectEmailLocalPart
    }

    public static let `default` = PasswordPolicy()

    /// One rule, with its stable id and its text for clients to display.
    public struct Rule: Sendable, Equatable {
        public var id: String
        public var text: LocalizedText
    }

    /// The rules in force, in display order.
    public var rules: [Rule] {
        var rules = [
            Rule(id: "min_length", text: .init(fr: "Au moins \(minLength) caractères.", en: "At least \(minLength) characters.")),
            Rule(id: "max_length", text: .init(fr: "Au plus \(maxLength) caractères.", en: "At most \(maxLength) characters.")),
        ]
        if requireUppercase { rules.append(.init(id: "uppercase", text: .init(fr: "Au moins une lettre majuscule.", en: "At least one upper-case letter."))) }
        if requireLowercase { rules.append(.init(id: "lowercase", text: .init(fr: "Au moins une lettre minuscule.", en: "At least one lower-case letter."))) }
        if requireSpecial { rules.append(.init(id: "special", text: .init(fr: "Au moins un caractère spécial.", en: "At least one special character."))) }
        if minLetters > 0 { rules.append(.init(id: "min_letters", text: .init(fr: "Au moins \(minLetters) lettres.", en: "At least \(minLetters) letters."))) }
        if blockCommonPasswords {
            rules.append(.init(id: "common_password", text: .init(fr: "Pas un mot de passe courant.", en: "Not a common password.")))
        }
        if rejectEmailLocalPart {
            rules.append(.init(id: "email_local_part", text: .init(fr: "Différent de la partie de votre courriel avant le @.", en: "Not the part of your e-mail before the @.")))
        }
        return rules
    }

    /// The rules `password` breaks (empty when it is acceptable).
    public func violations(_ password: String, email: String?) -> [Rule] {
        let count = password.count
        let letters = password.filter(\.isLetter)
        var broken = Set<String>()
        if count < minLength { broken.insert("min_length") }
        if count > maxLength { broken.insert("max_length") }
        if requireUppercase, !password.contains(where: \.isUppercase) { broken.insert("uppercase") }
        if requireLowercase, !password.contains(where: \.isLowercase) { broken.insert("lowercase") }
        if requireSpecial, !password.contains(where: { !$0.isLetter && !$0.isNumber && !$0.isWhitespace }) { broken.insert("special") }
        if letters.count < minLetters { broken.insert("min_letters") }
        if blockCommonPasswords, CommonPasswords.shared.contains(password) { broken.insert("common_password") }
        if rejectEmailLocalPart, let local = email?.split(separator: "@").first, password.lowercased() == local.lowercased() {
            broken.insert("email_local_part")
        }
        return rules.filter { broken.contains($0.id) }
    }

    /// Problem-ready errors for `password_policy`, on `field` of the request body.
    public func check(_ password: String, email: String?, field: String = "password") throws {
        let broken = violations(password, email: email)
        guard broken.isEmpty else {
            throw Problem.passwordPolicy(broken.map { LocalizedFieldError(field: field, rule: $0.id, message: $0.text) })
        }
    }

    /// 8–128 for the minimum, as the issue allows plans to configure.
    var isValid: Bool { (8...128).contains(minLength) && maxLength == 128 && minLetters >= 0 && minLetters <= minLength }
}

/// The block-list of common passwords shipped with the server (see Resources/README.md).
public final class CommonPasswords: Sendable {
    public static let shared = CommonPasswords()

    let entries: Set<String>

    init() {
        var entries = Set<String>()
        for name in ["common-passwords", "common-passwords-fr"] {
            guard let url = Bundle.module.url(forResource: name, withExtension: "txt"),
                  let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            for line in text.split(whereSeparator: \.isNewline) where !line.isEmpty {
                entries.insert(line.lowercased())
            }
        }
        self.entries = entries
    }

    public var count: Int { entries.count }

    /// Case-insensitive membership.
    public func contains(_ password: String) -> Bool { entries.contains(password.lowercased()) }
}

import Foundation

/// Field rules shared by plan creation and patching. Each returns the normalised value and appends
/// what failed to `errors`.
enum PlanRules {
    static func name(_ raw: String, field: String, errors: inout [LocalizedFieldError]) -> String {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if value.isEmpty {
            errors.append(.init(field: field, rule: "required", message: .init(fr: "Le nom est obligatoire.", en: "The name is required.")))
        } else if value.count > 200 {
            errors.append(.init(field: field, rule: "max_length", message: .init(fr: "200 caractères au plus.", en: "At most 200 characters.")))
        } else if value.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
            errors.append(.init(field: field, rule: "no_control_characters", message: .init(fr: "Caractères de contrôle interdits.", en: "Control characters are not allowed.")))
        }
        return value
    }

    static func emailDomains(_ raw: [String], errors: inout [LocalizedFieldError]) -> [String] {
        if raw.isEmpty {
            errors.append(.init(field: "emailDomains", rule: "min_items", message: .init(fr: "Au moins un domaine.", en: "At least one domain.")))
        }
        if raw.count > 20 {
            errors.append(.init(field: "emailDomains", rule: "max_items", message: .init(fr: "20 domaines au plus.", en: "At most 20 domains.")))
        }
        var seen = Set<String>()
        var result: [String] = []
        for (index, entry) in raw.enumerated() {
            let domain = entry.trimmingCharacters(in: .whitespaces).lowercased()
            if !EmailAddress.isValidDomain(domain) {
                errors.append(.init(field: "emailDomains[\(index)]", rule: "domain", message: .init(fr: "Nom de domaine invalide.", en: "Invalid domain name.")))
            } else if !seen.insert(domain).inserted {
                errors.append(.init(field: "emailDomains[\(index)]", rule: "unique", message: .init(fr: "Domaine en double.", en: "Duplicate domain.")))
            } else {
                result.append(domain)
            }
        }
        return result
    }

    /// An absolute `https` URL without query, fragment or credentials (`http` only for loopback hosts).
    static func portalURL(_ raw: String, errors: inout [LocalizedFieldError]) -> String {
        var value = raw.trimmingCharacters(in: .whitespaces)
        while value.hasSuffix("/") { value.removeLast() }
        let invalid = LocalizedFieldError(
            field: "portalUrl",
            rule: "url",
            message: .init(
                fr: "Adresse https absolue sans paramètres ni fragment.",
                en: "An absolute https address without query or fragment."
            )
        )
        guard value.count <= 2048, let components = URLComponents(string: value),
              let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty,
              components.query == nil, components.fragment == nil, components.user == nil, components.password == nil
        else {
            errors.append(invalid)
            return value
        }
        let loopback = ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else {
            errors.append(invalid)
            return value
        }
        return value
    }

    static func support(_ contact: SupportContact, errors: inout [LocalizedFieldError]) -> SupportContact {
        var result = contact
        func clean(_ value: String?, field: String, max: Int) -> String? {
            guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
            if trimmed.count > max {
                errors.append(.init(field: "support.\(field)", rule: "max_length", message: .init(fr: "\(max) caractères au plus.", en: "At most \(max) characters.")))
            }
            return trimmed
        }
        result.phone = clean(contact.phone, field: "phone", max: 40)
        if let phone = result.phone, phone.unicodeScalars.contains(where: { !CharacterSet(charactersIn: "0123456789+-(). extposEXTPOS").contains($0) }) {
            errors.append(.init(field: "support.phone", rule: "phone", message: .init(fr: "Numéro de téléphone invalide.", en: "Invalid phone number.")))
        }
        result.email = clean(contact.email, field: "email", max: 254)?.lowercased()
        if let email = result.email, !EmailAddress.isValid(email) {
            errors.append(.init(field: "support.email", rule: "email", message: .init(fr: "Adresse courriel invalide.", en: "Invalid e-mail address.")))
        }
        result.hoursFr = clean(contact.hoursFr, field: "hoursFr", max: 200)
        result.hoursEn = clean(contact.hoursEn, field: "hoursEn", max: 200)
        return result
    }
}

extension PlanRules {
    static func passwordPolicy(_ policy: PasswordPolicy, errors: inout [LocalizedFieldError]) -> PasswordPolicy {
        if !(8...128).contains(policy.minLength) {
            errors.append(.init(field: "passwordPolicy.minLength", rule: "range", message: .init(fr: "De 8 à 128.", en: "From 8 to 128.")))
        }
        if policy.maxLength > 128 || policy.maxLength < policy.minLength {
            errors.append(.init(field: "passwordPolicy.maxLength", rule: "range", message: .init(fr: "De minLength à 128.", en: "From minLength to 128.")))
        }
        if policy.minLetters < 0 || policy.minLetters > policy.minLength {
            errors.append(.init(field: "passwordPolicy.minLetters", rule: "range", message: .init(fr: "De 0 à minLength.", en: "From 0 to minLength.")))
        }
        return policy
    }

    /// At least OWASP's floor (m ≥ 7 MiB), at most 256 MiB, t 1–10, p 1–4.
    static func argon2(_ parameters: Argon2Parameters, errors: inout [LocalizedFieldError]) -> Argon2Parameters {
        if !(7168...262_144).contains(parameters.memoryKiB) {
            errors.append(.init(field: "argon2.memoryKiB", rule: "range", message: .init(fr: "De 7168 à 262144 Kio.", en: "From 7168 to 262144 KiB.")))
        }
        if !(1...10).contains(parameters.iterations) {
            errors.append(.init(field: "argon2.iterations", rule: "range", message: .init(fr: "De 1 à 10.", en: "From 1 to 10.")))
        }
        if !(1...4).contains(parameters.parallelism) {
            errors.append(.init(field: "argon2.parallelism", rule: "range", message: .init(fr: "De 1 à 4.", en: "From 1 to 4.")))
        }
        return parameters
    }

    /// Merges rate-limit overrides; unknown policies and out-of-range values are errors.
    static func rateLimits(
        _ patch: [String: RateLimitRule?], current: [String: RateLimitRule], errors: inout [LocalizedFieldError]
    ) -> [String: RateLimitRule] {
        var result = current
        for (name, rule) in patch.sorted(by: { $0.key < $1.key }) {
            guard RateLimitPolicy(rawValue: name) != nil else {
                errors.append(.init(field: "rateLimits.\(name)", rule: "unknown_field", message: .init(fr: "Politique inconnue.", en: "Unknown policy.")))
                continue
            }
            guard let rule else {
                result[name] = nil
                continue
            }
            if !(1...100_000).contains(rule.limit) {
                errors.append(.init(field: "rateLimits.\(name).limit", rule: "range", message: .init(fr: "De 1 à 100 000.", en: "From 1 to 100,000.")))
            }
            if !(1...604_800).contains(rule.windowSeconds) {
                errors.append(.init(field: "rateLimits.\(name).windowSeconds", rule: "range", message: .init(fr: "De 1 seconde à 7 jours.", en: "From 1 second to 7 days.")))
            }
            result[name] = rule
        }
        return result
    }

    static func securityQuestions(_ questions: [SecurityQuestion], errors: inout [LocalizedFieldError]) -> [SecurityQuestion] {
        if !(3...20).contains(questions.count) {
            errors.append(.init(field: "securityQuestions", rule: "count", message: .init(fr: "De 3 à 20 questions.", en: "From 3 to 20 questions.")))
        }
        var seen = Set<String>()
        for (index, question) in questions.enumerated() {
            let idOK = (1...40).contains(question.id.count) && question.id.allSatisfy { ($0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" }
            if !idOK || !seen.insert(question.id).inserted {
                errors.append(.init(field: "securityQuestions[\(index)].id", rule: "pattern", message: .init(fr: "Identifiant unique : a-z, 0-9, -.", en: "Unique id: a-z, 0-9, -.")))
            }
            for (field, text) in [("textFr", question.textFr), ("textEn", question.textEn)] {
                if text.trimmingCharacters(in: .whitespaces).isEmpty || text.count > 200 {
                    errors.append(.init(field: "securityQuestions[\(index)].\(field)", rule: "length", message: .init(fr: "De 1 à 200 caractères.", en: "From 1 to 200 characters.")))
                } else if text.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
                    errors.append(.init(field: "securityQuestions[\(index)].\(field)", rule: "no_control_characters", message: .init(fr: "Caractères de contrôle interdits.", en: "Control characters are not allowed.")))
                }
            }
        }
        return questions
    }
}

/// Syntax checks for e-mail addresses and domains (no DNS look-up).
public enum EmailAddress {
    /// Trimmed and lower-case: how every e-mail is compared, counted and stored.
    public static func normalize(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A dotted host name of labels `[a-z0-9-]` (1–63, no leading or trailing hyphen) with an alphabetic TLD.
    public static func isValidDomain(_ domain: String) -> Bool {
        guard (4...253).contains(domain.utf8.count) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let tld = labels.last, tld.utf8.count >= 2,
              tld.utf8.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") })
        else { return false }
        for label in labels {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-",
                  label.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
            else { return false }
        }
        return true
    }

    /// The ASCII bytes a local part may hold: letters, digits and `.!#$%&'*+/=?^_`{|}~-`.
    static let localPartBytes: [Bool] = (0..<128).map { byte in
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-".utf8.contains(UInt8(byte))
    }

    /// `local@domain` with an ASCII local part of at most 64 printable characters.
    public static func isValid(_ address: String) -> Bool {
        guard address.utf8.count <= 254 else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let local = parts[0]
        // ASCII from here on: characters are bytes.
        guard local.utf8.allSatisfy({ $0 < 0x80 && localPartBytes[Int($0)] }) else { return false }
        let dot = UInt8(ascii: ".")
        guard (1...64).contains(local.utf8.count), local.utf8.first != dot, local.utf8.last != dot,
              !zip(local.utf8, local.utf8.dropFirst()).contains(where: { $0 == dot && $1 == dot })
        else { return false }
        return isValidDomain(parts[1].lowercased())
    }
}

import Foundation

/// Who checks that a human is at the keyboard (RAMU step 6's reCAPTCHA, made pluggable).
public enum ChallengeProvider: String, Codable, Sendable, CaseIterable {
    case recaptcha
    case hcaptcha
    case turnstile
    /// Self-hosted proof of work (ALTCHA format): nothing leaves PlanPortal.
    case pow
    /// Accepts everything: development and tests only (`serve` refuses it in production).
    case none

    /// The provider's public siteverify endpoint.
    public var defaultVerifyURL: String? {
        switch self {
        case .recaptcha: "https://www.google.com/recaptcha/api/siteverify"
        case .hcaptcha: "https://api.hcaptcha.com/siteverify"
        case .turnstile: "https://challenges.cloudflare.com/turnstile/v0/siteverify"
        case .pow, .none: nil
        }
    }

    /// Third-party providers verified by a siteverify POST.
    public var usesSiteverify: Bool { defaultVerifyURL != nil }
}

/// A plan's challenge settings, stored in `control.plans.settings.challenge` (secret included;
/// the API never returns it).
public struct ChallengeSettings: Codable, Sendable, Equatable {
    public var provider: ChallengeProvider
    public var siteKey: String?
    public var secret: String?
    /// Overrides the provider's siteverify URL (proxies, tests).
    public var verifyUrl: String?
    /// reCAPTCHA v3: lowest accepted score (setting it makes the plan v3).
    public var minScore: Double?
    /// reCAPTCHA v3 / Turnstile: the action the token must carry.
    public var action: String?
    /// The hostname the provider must report (the portal's host).
    public var hostname: String?
    /// Proof of work: the largest secret number (difficulty; expected work is half of it).
    public var powMaxNumber: Int?

    public init(provider: ChallengeProvider) {
        self.provider = provider
    }

    public static let defaultPowMaxNumber = 100_000
    public static let `default` = ChallengeSettings(provider: .pow)

    /// The siteverify endpoint to call.
    public var effectiveVerifyURL: String? { verifyUrl ?? provider.defaultVerifyURL }
    public var effectivePowMaxNumber: Int { powMaxNumber ?? Self.defaultPowMaxNumber }
    /// reCAPTCHA's version for clients: `v3` when a minimum score is set, else `v2`; nil for other providers.
    public var recaptchaVersion: String? { provider == .recaptcha ? (minScore == nil ? "v2" : "v3") : nil }
}

/// What the admin API returns about a plan's challenge: everything but the secret.
public struct ChallengeSettingsView: Encodable, Sendable {
    public var provider: ChallengeProvider
    @Nullable public var siteKey: String?
    @Nullable public var verifyUrl: String?
    @Nullable public var minScore: Double?
    @Nullable public var action: String?
    @Nullable public var hostname: String?
    @Nullable public var powMaxNumber: Int?
    public var secretConfigured: Bool

    public init(_ settings: ChallengeSettings) {
        provider = settings.provider
        siteKey = settings.siteKey
        verifyUrl = settings.verifyUrl
        minScore = settings.minScore
        action = settings.action
        hostname = settings.hostname
        powMaxNumber = settings.provider == .pow ? settings.effectivePowMaxNumber : nil
        secretConfigured = settings.secret != nil
    }
}

extension Plan {
    /// The plan's challenge settings (proof of work when never set).
    public var challenge: ChallengeSettings { settings.challenge ?? .default }
}

/// `challenge` of `PATCH /v1/admin/plans/{plan}` and the `--challenge-*` flags. Changing the
/// provider starts from blank settings; keeping it merges the given fields (`null` clears one).
/// The secret is kept when not given, since nobody can read it back to resend it.
public struct ChallengePatch: Decodable, Sendable {
    public var provider: ChallengeProvider?
    public var siteKey: PatchField<String> = .absent
    public var secret: PatchField<String> = .absent
    public var verifyUrl: PatchField<String> = .absent
    public var minScore: PatchField<Double> = .absent
    public var action: PatchField<String> = .absent
    public var hostname: PatchField<String> = .absent
    public var powMaxNumber: PatchField<Int> = .absent

    public init() {}

    /// The new settings after every rule is checked (errors appended under `challenge.*`).
    func applied(to current: ChallengeSettings, errors: inout [LocalizedFieldError]) -> ChallengeSettings {
        let provider = provider ?? current.provider
        var next = provider == current.provider ? current : ChallengeSettings(provider: provider)
        siteKey.apply(to: &next.siteKey)
        secret.apply(to: &next.secret)
        verifyUrl.apply(to: &next.verifyUrl)
        minScore.apply(to: &next.minScore)
        action.apply(to: &next.action)
        hostname.apply(to: &next.hostname)
        powMaxNumber.apply(to: &next.powMaxNumber)
        return ChallengeRules.check(next, errors: &errors)
    }
}

/// Rules of challenge settings.
enum ChallengeRules {
    static func check(_ settings: ChallengeSettings, errors: inout [LocalizedFieldError]) -> ChallengeSettings {
        var s = settings
        func fail(_ field: String, _ rule: String, fr: String, en: String) {
            errors.append(.init(field: "challenge.\(field)", rule: rule, message: .init(fr: fr, en: en)))
        }
        func text(_ value: String?, _ field: String, max: Int) -> String? {
            guard let value else { return nil }
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.count > max || trimmed.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) {
                fail(field, "pattern", fr: "De 1 à \(max) caractères visibles, sans espace.", en: "1 to \(max) visible characters, no spaces.")
            }
            return trimmed
        }
        s.siteKey = text(s.siteKey, "siteKey", max: 200)
        s.secret = text(s.secret, "secret", max: 500)
        s.action = text(s.action, "action", max: 100)
        s.hostname = text(s.hostname, "hostname", max: 253)?.lowercased()
        if s.provider.usesSiteverify {
            if s.siteKey == nil { fail("siteKey", "required", fr: "Requis pour ce fournisseur.", en: "Required for this provider.") }
            if s.secret == nil { fail("secret", "required", fr: "Requis pour ce fournisseur.", en: "Required for this provider.") }
        } else {
            for (field, set) in [("siteKey", s.siteKey != nil), ("secret", s.secret != nil), ("verifyUrl", s.verifyUrl != nil),
                                 ("minScore", s.minScore != nil), ("action", s.action != nil), ("hostname", s.hostname != nil)] where set {
                fail(field, "not_applicable", fr: "Sans objet pour ce fournisseur.", en: "Not applicable to this provider.")
            }
        }
        if let score = s.minScore {
            if s.provider != .recaptcha { fail("minScore", "not_applicable", fr: "Réservé à reCAPTCHA v3.", en: "reCAPTCHA v3 only.") }
            if !(0...1).contains(score) { fail("minScore", "range", fr: "Entre 0 et 1.", en: "Between 0 and 1.") }
        }
        if s.action != nil, s.provider == .hcaptcha {
            fail("action", "not_applicable", fr: "hCaptcha ne renvoie pas d'action.", en: "hCaptcha reports no action.")
        }
        if let max = s.powMaxNumber {
            if s.provider != .pow { fail("powMaxNumber", "not_applicable", fr: "Réservé à pow.", en: "pow only.") }
            if !(1_000...10_000_000).contains(max) { fail("powMaxNumber", "range", fr: "De 1 000 à 10 000 000.", en: "From 1,000 to 10,000,000.") }
        }
        return s
    }
}

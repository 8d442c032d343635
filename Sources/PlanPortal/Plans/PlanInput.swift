import Foundation

/// Body of `POST /v1/admin/plans` and the flags of `planportal plans create`.
public struct PlanCreateInput: Decodable, Sendable {
    public var slug: String
    public var nameFr: String
    public var nameEn: String
    public var emailDomains: [String]
    public var portalUrl: String
    public var support: SupportContact?
    public var defaultLocale: Language?
    /// Challenge settings; proof of work when absent.
    public var challenge: ChallengePatch?

    public init(
        slug: String,
        nameFr: String,
        nameEn: String,
        emailDomains: [String],
        portalUrl: String,
        support: SupportContact? = nil,
        defaultLocale: Language? = nil,
        challenge: ChallengePatch? = nil
    ) {
        self.slug = slug
        self.nameFr = nameFr
        self.nameEn = nameEn
        self.emailDomains = emailDomains
        self.portalUrl = portalUrl
        self.support = support
        self.defaultLocale = defaultLocale
        self.challenge = challenge
    }

    /// The checked, normalised plan, or a 422 problem listing every broken rule.
    public func validated() throws -> ValidPlanInput {
        var errors: [LocalizedFieldError] = []
        let slug = PlanSlug(self.slug)
        if slug == nil { errors.append(contentsOf: Problem.invalidPlanSlug.errors.map { .init(field: "slug", rule: $0.rule, message: $0.message) }) }
        let nameFr = PlanRules.name(self.nameFr, field: "nameFr", errors: &errors)
        let nameEn = PlanRules.name(self.nameEn, field: "nameEn", errors: &errors)
        let domains = PlanRules.emailDomains(emailDomains, errors: &errors)
        let url = PlanRules.portalURL(portalUrl, errors: &errors)
        let support = PlanRules.support(self.support ?? SupportContact(), errors: &errors)
        let challenge = self.challenge?.applied(to: .default, errors: &errors) ?? .default
        guard errors.isEmpty, let slug else { throw Problem.validation(errors) }
        return ValidPlanInput(
            slug: slug, nameFr: nameFr, nameEn: nameEn, emailDomains: domains, portalUrl: url,
            support: support, defaultLocale: defaultLocale ?? .fr, challenge: challenge
        )
    }
}

/// A plan input whose every field passed `PlanRules`.
public struct ValidPlanInput: Sendable {
    public var slug: PlanSlug
    public var nameFr: String
    public var nameEn: String
    public var emailDomains: [String]
    public var portalUrl: String
    public var support: SupportContact
    public var defaultLocale: Language
    public var challenge: ChallengeSettings

    /// The settings a new plan starts with, including its own proof-of-work key.
    var initialSettings: PlanSettings {
        var settings = PlanSettings()
        settings.defaultLocale = defaultLocale
        settings.challenge = challenge
        settings.powKey = SecretToken.generate()
        return settings
    }
}

/// Body of `PATCH /v1/admin/plans/{plan}` (JSON merge patch: absent leaves a field alone,
/// `null` clears a support field).
public struct PlanPatch: Decodable, Sendable {
    public var nameFr: String?
    public var nameEn: String?
    public var emailDomains: [String]?
    public var portalUrl: String?
    public var support: SupportPatch?
    public var defaultLocale: Language?
    public var passwordPolicy: PasswordPolicyPatch?
    public var argon2: Argon2Patch?
    public var securityQuestions: [SecurityQuestion]?
    public var sessionIdleMinutes: Int?
    public var sessionAbsoluteHours: Int?
    public var challenge: ChallengePatch?
    /// Per-policy overrides; a policy set to `null` returns to its default.
    public var rateLimits: [String: RateLimitRule?]?
    /// Browser origins CORS grants; `null` returns to the default (the origin of `portalUrl`).
    public var allowedOrigins: PatchField<[String]> = .absent
    public var branding: BrandingPatch?
    /// Days after a life event within which a dependant's enrolment is on time (1 to 365).
    public var enrolmentWindowDays: Int?

    public init() {}

    /// Names of the fields this patch sets, for the audit trail.
    public var fieldNames: [String] {
        var names: [String] = []
        if nameFr != nil { names.append("nameFr") }
        if nameEn != nil { names.append("nameEn") }
        if emailDomains != nil { names.append("emailDomains") }
        if portalUrl != nil { names.append("portalUrl") }
        if let support { names.append(contentsOf: support.fieldNames.map { "support.\($0)" }) }
        if defaultLocale != nil { names.append("defaultLocale") }
        if passwordPolicy != nil { names.append("passwordPolicy") }
        if argon2 != nil { names.append("argon2") }
        if securityQuestions != nil { names.append("securityQuestions") }
        if sessionIdleMinutes != nil { names.append("sessionIdleMinutes") }
        if sessionAbsoluteHours != nil { names.append("sessionAbsoluteHours") }
        if challenge != nil { names.append("challenge") }
        if let rateLimits { names.append(contentsOf: rateLimits.keys.sorted().map { "rateLimits.\($0)" }) }
        if allowedOrigins.isPresent { names.append("allowedOrigins") }
        if let branding { names.append(contentsOf: branding.fieldNames.map { "branding.\($0)" }) }
        if enrolmentWindowDays != nil { names.append("enrolmentWindowDays") }
        return names
    }

    /// Applies the patch to `plan` after checking every rule (422 problem on any failure).
    public func applied(to plan: Plan) throws -> Plan {
        var errors: [LocalizedFieldError] = []
        var result = plan
        if let nameFr { result.nameFr = PlanRules.name(nameFr, field: "nameFr", errors: &errors) }
        if let nameEn { result.nameEn = PlanRules.name(nameEn, field: "nameEn", errors: &errors) }
        if let emailDomains { result.emailDomains = PlanRules.emailDomains(emailDomains, errors: &errors) }
        if let portalUrl { result.portalUrl = PlanRules.portalURL(portalUrl, errors: &errors) }
        if let support { result.support = PlanRules.support(support.applied(to: plan.support), errors: &errors) }
        if let defaultLocale {
            result.defaultLocale = defaultLocale
            result.settings.defaultLocale = defaultLocale
        }
        if let passwordPolicy { result.settings.passwordPolicy = PlanRules.passwordPolicy(passwordPolicy.applied(to: plan.passwordPolicy), errors: &errors) }
        if let argon2 { result.settings.argon2 = PlanRules.argon2(argon2.applied(to: plan.argon2), errors: &errors) }
        if let securityQuestions { result.settings.securityQuestions = PlanRules.securityQuestions(securityQuestions, errors: &errors) }
        if let minutes = sessionIdleMinutes {
            if !(5...240).contains(minutes) {
                errors.append(.init(field: "sessionIdleMinutes", rule: "range", message: .init(fr: "De 5 à 240 minutes.", en: "From 5 to 240 minutes.")))
            }
            result.settings.sessionIdleMinutes = minutes
        }
        if let hours = sessionAbsoluteHours {
            if !(1...72).contains(hours) {
                errors.append(.init(field: "sessionAbsoluteHours", rule: "range", message: .init(fr: "De 1 à 72 heures.", en: "From 1 to 72 hours.")))
            }
            result.settings.sessionAbsoluteHours = hours
        }
        if let challenge { result.settings.challenge = challenge.applied(to: plan.challenge, errors: &errors) }
        if let rateLimits { result.settings.rateLimits = PlanRules.rateLimits(rateLimits, current: plan.settings.rateLimits ?? [:], errors: &errors) }
        switch allowedOrigins {
        case .absent: break
        case .null: result.settings.cors = CORSSettings()
        case .value(let origins): result.settings.cors = CORSSettings(allowedOrigins: PlanRules.allowedOrigins(origins, errors: &errors))
        }
        if let branding { result.settings.branding = branding.applied(to: plan.branding, errors: &errors) }
        if let days = enrolmentWindowDays {
            if !(1...365).contains(days) {
                errors.append(.init(field: "enrolmentWindowDays", rule: "range", message: .init(fr: "De 1 à 365 jours.", en: "From 1 to 365 days.")))
            }
            result.settings.enrolmentWindowDays = days
        }
        if fieldNames.isEmpty {
            errors.append(.init(field: "body", rule: "min_properties", message: .init(fr: "Aucun champ à modifier.", en: "No field to change.")))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return result
    }
}

/// Merge patch of the support contact.
public struct SupportPatch: Decodable, Sendable {
    public var phone: PatchField<String> = .absent
    public var email: PatchField<String> = .absent
    public var hoursFr: PatchField<String> = .absent
    public var hoursEn: PatchField<String> = .absent

    public init() {}

    var fieldNames: [String] {
        [("phone", phone.isPresent), ("email", email.isPresent), ("hoursFr", hoursFr.isPresent), ("hoursEn", hoursEn.isPresent)]
            .filter(\.1).map(\.0)
    }

    func applied(to contact: SupportContact) -> SupportContact {
        var result = contact
        phone.apply(to: &result.phone)
        email.apply(to: &result.email)
        hoursFr.apply(to: &result.hoursFr)
        hoursEn.apply(to: &result.hoursEn)
        return result
    }
}

/// Partial password policy: fields left out keep their current value.
public struct PasswordPolicyPatch: Decodable, Sendable {
    public var minLength: Int?
    public var maxLength: Int?
    public var requireUppercase: Bool?
    public var requireLowercase: Bool?
    public var requireSpecial: Bool?
    public var minLetters: Int?
    public var blockCommonPasswords: Bool?
    public var rejectEmailLocalPart: Bool?

    func applied(to policy: PasswordPolicy) -> PasswordPolicy {
        var p = policy
        if let minLength { p.minLength = minLength }
        if let maxLength { p.maxLength = maxLength }
        if let requireUppercase { p.requireUppercase = requireUppercase }
        if let requireLowercase { p.requireLowercase = requireLowercase }
        if let requireSpecial { p.requireSpecial = requireSpecial }
        if let minLetters { p.minLetters = minLetters }
        if let blockCommonPasswords { p.blockCommonPasswords = blockCommonPasswords }
        if let rejectEmailLocalPart { p.rejectEmailLocalPart = rejectEmailLocalPart }
        return p
    }
}

/// Partial Argon2id cost: fields left out keep their current value. Accounts are rehashed with
/// the new cost at their next login.
public struct Argon2Patch: Decodable, Sendable {
    public var memoryKiB: UInt32?
    public var iterations: UInt32?
    public var parallelism: UInt32?

    func applied(to parameters: Argon2Parameters) -> Argon2Parameters {
        Argon2Parameters(
            memoryKiB: memoryKiB ?? parameters.memoryKiB, iterations: iterations ?? parameters.iterations,
            parallelism: parallelism ?? parameters.parallelism
        )
    }
}

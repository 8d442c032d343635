import Foundation

/// How members and staff reach the plan's help desk (RAMU step 7: "Infocentre").
public struct SupportContact: Codable, Sendable, Equatable {
    @Nullable public var phone: String?
    @Nullable public var email: String?
    @Nullable public var hoursFr: String?
    @Nullable public var hoursEn: String?

    public init(phone: String? = nil, email: String? = nil, hoursFr: String? = nil, hoursEn: String? = nil) {
        self.phone = phone
        self.email = email
        self.hoursFr = hoursFr
        self.hoursEn = hoursEn
    }
}

/// A tenant: one insurer or university plan, with its own PostgreSQL schema.
public struct Plan: Encodable, Sendable, Equatable {
    public var slug: PlanSlug
    public var schema: String
    public var nameFr: String
    public var nameEn: String
    public var emailDomains: [String]
    public var portalUrl: String
    public var support: SupportContact
    public var defaultLocale: Language
    public var createdAt: Date
    public var updatedAt: Date
    /// Settings JSON; only the parts the contract names are returned.
    public var settings: PlanSettings = PlanSettings()

    enum CodingKeys: String, CodingKey {
        case slug, schema, nameFr, nameEn, emailDomains, portalUrl, support, defaultLocale, createdAt, updatedAt
        case passwordPolicy, argon2, securityQuestions, sessionIdleMinutes, sessionAbsoluteHours
        case challenge, rateLimits, allowedOrigins, branding, enrolmentWindowDays
    }

    /// The contract's fields, with the effective member-journey settings (defaults filled in);
    /// written by hand because those are computed from `settings`, not stored properties.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(slug, forKey: .slug)
        try c.encode(schema, forKey: .schema)
        try c.encode(nameFr, forKey: .nameFr)
        try c.encode(nameEn, forKey: .nameEn)
        try c.encode(emailDomains, forKey: .emailDomains)
        try c.encode(portalUrl, forKey: .portalUrl)
        try c.encode(support, forKey: .support)
        try c.encode(defaultLocale, forKey: .defaultLocale)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(passwordPolicy, forKey: .passwordPolicy)
        try c.encode(argon2, forKey: .argon2)
        try c.encode(securityQuestions, forKey: .securityQuestions)
        try c.encode(settings.sessionIdleMinutes ?? 30, forKey: .sessionIdleMinutes)
        try c.encode(settings.sessionAbsoluteHours ?? 12, forKey: .sessionAbsoluteHours)
        try c.encode(ChallengeSettingsView(challenge), forKey: .challenge)
        try c.encode(rateLimits, forKey: .rateLimits)
        try c.encode(allowedOrigins.map(\.value), forKey: .allowedOrigins)
        try c.encode(BrandingView(branding), forKey: .branding)
        try c.encode(enrolmentWindowDays, forKey: .enrolmentWindowDays)
    }

    public func name(_ language: Language) -> String { language == .fr ? nameFr : nameEn }
}

/// The public face of a plan, for every presentation that shows it to members and visitors: the
/// JSON API's `getPublicPlan` and the portal's page layout. Made from `Plan` alone (no query), with
/// nothing about members and none of the plan's settings (Argon2, rate limits, secrets).
public struct PublicPlan: Encodable, Sendable, Equatable {
    public var slug: PlanSlug
    public var nameFr: String
    public var nameEn: String
    /// Where members go (the e-mails' links start with it).
    public var portalUrl: String
    public var defaultLocale: Language
    /// Institutional e-mail domains accepted at registration (a hint for the e-mail field).
    public var emailDomains: [String]
    public var support: SupportContact
    public var challenge: PublicChallenge
    public var branding: PublicBranding

    public init(_ plan: Plan) {
        slug = plan.slug
        (nameFr, nameEn, portalUrl) = (plan.nameFr, plan.nameEn, plan.portalUrl)
        (defaultLocale, emailDomains, support) = (plan.defaultLocale, plan.emailDomains, plan.support)
        challenge = PublicChallenge(plan.challenge)
        branding = PublicBranding(plan: plan.slug, plan.branding)
    }

    public func name(_ language: Language) -> String { language == .fr ? nameFr : nameEn }

    /// The support hours in `language`.
    public func supportHours(_ language: Language) -> String? { language == .fr ? support.hoursFr : support.hoursEn }

    /// Path of the plan's logo on this server (`getPlanLogo`), versioned by its SHA-256 so a new
    /// logo is a new URL and caches may keep each one.
    static func logoPath(plan: PlanSlug, info: LogoInfo) -> String {
        "/v1/plans/\(plan.value)/branding/logo?v=\(info.sha256.prefix(16))"
    }
}

/// What a client needs to render the plan's challenge (the secret and verification settings stay
/// on the server). Proof of work takes its puzzle from `getChallenge`.
public struct PublicChallenge: Encodable, Sendable, Equatable {
    public var provider: ChallengeProvider
    @Nullable public var siteKey: String?
    /// reCAPTCHA: `v2`, or `v3` when the plan sets a minimum score.
    @Nullable public var version: String?
    @Nullable public var action: String?
    /// The provider's widget script; null for `pow` and `none`.
    @Nullable public var scriptUrl: String?
    /// Origins the widget loads scripts and frames from, for a page's Content-Security-Policy
    /// (`script-src`, `frame-src`); empty for `pow` and `none`.
    public var widgetOrigins: [String]

    public init(_ settings: ChallengeSettings) {
        provider = settings.provider
        siteKey = settings.siteKey
        version = settings.recaptchaVersion
        action = settings.action
        switch settings.provider {
        case .recaptcha:
            scriptUrl = "https://www.google.com/recaptcha/api.js"
            widgetOrigins = ["https://www.google.com", "https://www.gstatic.com", "https://recaptcha.google.com"]
        case .hcaptcha:
            scriptUrl = "https://js.hcaptcha.com/1/api.js"
            widgetOrigins = ["https://hcaptcha.com", "https://*.hcaptcha.com"]
        case .turnstile:
            scriptUrl = "https://challenges.cloudflare.com/turnstile/v0/api.js"
            widgetOrigins = ["https://challenges.cloudflare.com"]
        case .pow, .none:
            scriptUrl = nil
            widgetOrigins = []
        }
    }
}

/// The plan's look: its primary colour and logo, or null for the portal's own.
public struct PublicBranding: Encodable, Sendable, Equatable {
    /// `#rrggbb`; white text on it reaches 4.5:1.
    @Nullable public var primaryColor: String?
    @Nullable public var logo: PublicLogo?

    init(plan: PlanSlug, _ branding: BrandingSettings) {
        primaryColor = branding.primaryColor
        logo = branding.logo.map {
            PublicLogo(url: PublicPlan.logoPath(plan: plan, info: $0), contentType: $0.contentType, width: $0.width, height: $0.height)
        }
    }
}

/// Where a plan's logo is served and its size in pixels (so a page can reserve its box).
public struct PublicLogo: Encodable, Sendable, Equatable {
    /// Path on this server, versioned (`/v1/plans/{plan}/branding/logo?v=…`).
    public var url: String
    public var contentType: String
    public var width: Int
    public var height: Int
}

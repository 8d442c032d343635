import Foundation

/// Per-plan settings kept in `control.plans.settings` (JSON). Missing keys take the defaults.
/// Nil fields are left out of the JSON, so `settings || patch` keeps what a patch does not name.
public struct PlanSettings: Codable, Sendable, Equatable {
    public var defaultLocale: Language?
    public var passwordPolicy: PasswordPolicy?
    public var argon2: Argon2Parameters?
    public var securityQuestions: [SecurityQuestion]?
    public var sessionIdleMinutes: Int?
    public var sessionAbsoluteHours: Int?
    public var challenge: ChallengeSettings?
    /// HMAC key of the plan's proof-of-work challenges (never returned).
    public var powKey: String?
    /// Per-policy overrides, keyed by `RateLimitPolicy` raw value.
    public var rateLimits: [String: RateLimitRule]?
    /// Browser origins CORS grants (default: the origin of `portalUrl`).
    public var cors: CORSSettings?
    /// Primary colour and logo facts of the plan's portal.
    public var branding: BrandingSettings?
    /// Days after a life event within which a dependant's enrolment is on time (default 30).
    public var enrolmentWindowDays: Int?

    public init() {}
}

extension Plan {
    public var passwordPolicy: PasswordPolicy { settings.passwordPolicy ?? .default }
    public var argon2: Argon2Parameters { settings.argon2 ?? .default }
    public var securityQuestions: [SecurityQuestion] { settings.securityQuestions ?? SecurityQuestion.defaults }
    /// Idle timeout of member sessions (default 30 minutes).
    public var sessionIdle: Duration { .seconds(60 * (settings.sessionIdleMinutes ?? 30)) }
    /// Absolute lifetime of member sessions (default 12 hours).
    public var sessionAbsolute: Duration { .seconds(3600 * (settings.sessionAbsoluteHours ?? 12)) }
    /// Days after a life event within which a dependant's enrolment request is not `late`.
    public var enrolmentWindowDays: Int { settings.enrolmentWindowDays ?? 30 }
}

import Foundation

/// At most `limit` hits per fixed window of `windowSeconds`.
public struct RateLimitRule: Codable, Sendable, Equatable {
    public var limit: Int
    public var windowSeconds: Int

    public init(limit: Int, windowSeconds: Int) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    /// Parses `LIMIT/SECONDS` (as in `ADMIN_RATE_LIMIT=600/60`).
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let limit = Int(parts[0]), let window = Int(parts[1]), limit > 0, window > 0 else { return nil }
        self.init(limit: limit, windowSeconds: window)
    }
}

/// The member-journey limits a plan can tune (`rateLimits` in its settings). Defaults follow
/// OWASP ASVS 4.0 §2.2.1 and what Keycloak, Auth0 and Okta ship: throttle per client and per
/// target account, demand a challenge before a hard block, and never lock an account for good.
public enum RateLimitPolicy: String, CaseIterable, Codable, Sendable {
    /// Registration start, identity and resend requests per client IP (each its own counter).
    case registrationIp
    /// Identity attempts per certificate number.
    case identityCertificate
    /// Activation submissions per client IP.
    case activationIp
    /// Resent activation e-mails per registration, short window.
    case resendInterval
    /// Resent activation e-mails per registration, per day.
    case resendDaily
    /// Login attempts per (e-mail, IP) pair before a challenge is required.
    case loginPair
    /// Login attempts per e-mail, from anywhere, before a challenge is required.
    case loginEmail
    /// Password verifications per account; above it, 429 until the window passes.
    case loginAccount
    /// Failed logins per client address (IPv6: per /64), counted across every plan, before a
    /// challenge is required. Never a 429: many honest members can share one address.
    case loginIp
    /// Failed logins of the whole plan: above it ("under attack"), every login of the plan needs
    /// a challenge, and still for the window after one that went over.
    case loginPlanFailures
    /// Password-reset requests per e-mail before a challenge is required.
    case resetChallenge
    /// Password-reset requests per e-mail.
    case resetEmail
    /// Password-reset requests per client IP.
    case resetIp
    /// Current-password checks (password or security-question change) per account: a stolen
    /// session cannot guess the password.
    case currentPasswordAccount
    /// Current-password checks per client IP, whichever account.
    case currentPasswordIp
    /// Completions of a reset link (security answer and new password) per client IP.
    case resetCompletionIp

    public var defaultRule: RateLimitRule {
        switch self {
        case .registrationIp: .init(limit: 30, windowSeconds: 300)
        case .identityCertificate: .init(limit: 5, windowSeconds: 3600)
        case .activationIp: .init(limit: 30, windowSeconds: 300)
        case .resendInterval: .init(limit: 1, windowSeconds: 60)
        case .resendDaily: .init(limit: 5, windowSeconds: 86_400)
        case .loginPair: .init(limit: 5, windowSeconds: 900)
        case .loginEmail: .init(limit: 20, windowSeconds: 900)
        case .loginAccount: .init(limit: 100, windowSeconds: 3600)
        case .loginIp: .init(limit: 10, windowSeconds: 900)
        case .loginPlanFailures: .init(limit: 300, windowSeconds: 300)
        case .resetChallenge: .init(limit: 2, windowSeconds: 3600)
        case .resetEmail: .init(limit: 5, windowSeconds: 3600)
        case .resetIp: .init(limit: 30, windowSeconds: 300)
        case .currentPasswordAccount: .init(limit: 10, windowSeconds: 3600)
        case .currentPasswordIp: .init(limit: 30, windowSeconds: 900)
        case .resetCompletionIp: .init(limit: 30, windowSeconds: 300)
        }
    }

    /// What going over the limit does.
    public enum Effect: Sendable {
        /// 429 `rate_limited` with `Retry-After`.
        case reject
        /// The request needs a solved challenge (403 `challenge_required` without one).
        case challenge
    }

    public var effect: Effect {
        switch self {
        case .loginPair, .loginEmail, .loginIp, .loginPlanFailures, .resetChallenge: .challenge
        default: .reject
        }
    }

    /// Whether the counter is shared by every plan (the subject alone names it; each plan still
    /// compares it with its own rule).
    public var acrossPlans: Bool { self == .loginIp }

    /// Whether going over the limit also holds for the whole next window (`loginPlanFailures`:
    /// an attack must stay below the limit for a full window before the plan calms down).
    public var carriesOver: Bool { self == .loginPlanFailures }

    /// The policy name in `RateLimit-Policy` / `RateLimit` headers (`login-account`).
    public var headerName: String {
        rawValue.reduce(into: "") { name, char in
            if char.isUppercase { name += "-" + char.lowercased() } else { name.append(char) }
        }
    }
}

extension Plan {
    /// The plan's rule for `policy` (its own setting, else the default).
    public func rateLimit(_ policy: RateLimitPolicy) -> RateLimitRule {
        settings.rateLimits?[policy.rawValue] ?? policy.defaultRule
    }

    /// Every policy with its effective rule, as returned by the admin API.
    public var rateLimits: [String: RateLimitRule] {
        Dictionary(uniqueKeysWithValues: RateLimitPolicy.allCases.map { ($0.rawValue, rateLimit($0)) })
    }
}

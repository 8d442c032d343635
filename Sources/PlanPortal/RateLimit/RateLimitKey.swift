import Crypto
import HTTPTypes
import Foundation

/// One counter: a policy applied to one subject (an IP, an e-mail, a pair, a registration).
public struct RateLimitKey: Sendable, Hashable {
    /// Name in the rate-limit headers.
    public var name: String
    public var rule: RateLimitRule
    public var effect: RateLimitPolicy.Effect
    /// Over the limit in the previous window still counts as over (`RateLimitPolicy.carriesOver`).
    public var carriesOver = false
    /// Row key: policy, plan and a SHA-256 of the subject, so no personal data is stored.
    public var storageKey: String

    public init(name: String, rule: RateLimitRule, effect: RateLimitPolicy.Effect, scope: String, subject: [String]) {
        self.name = name
        self.rule = rule
        self.effect = effect
        self.storageKey = "\(name):\(scope):" + SHA256.hash(data: Data(subject.joined(separator: "\u{1F}").utf8)).hexString
    }

    /// The plan's `policy` for `subject` (for a policy counted across plans, the plan only gives the rule).
    public init(_ policy: RateLimitPolicy, plan: Plan, _ subject: String...) {
        self.init(
            name: policy.headerName, rule: plan.rateLimit(policy), effect: policy.effect,
            scope: policy.acrossPlans ? "*" : plan.slug.value, subject: subject
        )
        self.carriesOver = policy.carriesOver
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.storageKey == rhs.storageKey }
    public func hash(into hasher: inout Hasher) { hasher.combine(storageKey) }
}

/// A counter after a hit.
public struct RateLimitState: Sendable {
    public var key: RateLimitKey
    public var hits: Int
    /// Hits of the window just before this one (0 when that window was not the previous one).
    public var previousHits = 0
    /// Seconds until the window ends (at least 1).
    public var resetSeconds: Int

    public var exceeded: Bool { hits > key.rule.limit || (key.carriesOver && previousHits > key.rule.limit) }
    public var remaining: Int { max(0, key.rule.limit - hits) }
}

/// The counters one request hit, in the order asked.
public struct RateLimitOutcome: Sendable {
    public var states: [RateLimitState]

    public init(states: [RateLimitState] = []) {
        self.states = states
    }

    /// True when a challenge-type counter is over its threshold.
    public var challengeRequired: Bool { states.contains { $0.key.effect == .challenge && $0.exceeded } }

    /// The counter of `key`, if this request hit it.
    public func state(of key: RateLimitKey) -> RateLimitState? { states.first { $0.key == key } }

    /// These counters without `keys` (rules an exemption lifts: they neither refuse nor are announced).
    public func excluding(_ keys: [RateLimitKey]) -> RateLimitOutcome {
        RateLimitOutcome(states: states.filter { !keys.contains($0.key) })
    }

    /// Throws 429 `rate_limited` when a reject-type counter is over its limit.
    public func enforce() throws {
        let over = states.filter { $0.key.effect == .reject && $0.exceeded }
        guard let longest = over.max(by: { $0.resetSeconds < $1.resetSeconds }) else { return }
        var problem = Problem.rateLimited(retryAfter: longest.resetSeconds)
        problem.headers.append(contentsOf: headers)
        throw problem
    }

    /// `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-09) for the
    /// reject-type counters; challenge thresholds are not quotas and are not announced.
    public var headers: HTTPFields {
        let quotas = states.filter { $0.key.effect == .reject }
        guard !quotas.isEmpty else { return [:] }
        var fields = HTTPFields()
        fields[.rateLimitPolicy] = quotas.map { "\"\($0.key.name)\";q=\($0.key.rule.limit);w=\($0.key.rule.windowSeconds)" }.joined(separator: ", ")
        fields[.rateLimit] = quotas.map { "\"\($0.key.name)\";r=\($0.remaining);t=\($0.resetSeconds)" }.joined(separator: ", ")
        return fields
    }
}

extension HTTPField.Name {
    static let rateLimitPolicy = HTTPField.Name("RateLimit-Policy")!
    static let rateLimit = HTTPField.Name("RateLimit")!
}

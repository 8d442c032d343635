import Foundation
import Hummingbird

/// What the member-facing controllers (tags `member-*`) share.
public struct MemberDependencies: Sendable {
    public let plans: any PlanRepository
    public let registrations: RegistrationRepository
    public let accounts: AccountRepository
    public let hasher: PasswordHasher
    public let challenge: any ChallengeVerifier
    public let limiter: RateLimiter
    public let benefits: BenefitsRepository
    public let claims: ClaimRepository
    /// Largest JSON body accepted.
    public let maxBodyBytes: Int

    public init(services: AppServices) {
        self.plans = services.plans
        self.registrations = services.registrations
        self.accounts = services.accounts
        self.hasher = services.hasher
        self.challenge = services.challenge
        self.limiter = services.limiter
        self.benefits = services.benefits
        self.claims = services.claims
        self.maxBodyBytes = services.config.maxJSONBodyBytes
    }
}

/// A member-facing controller: reaches its dependencies by name.
protocol MemberController: Sendable {
    var deps: MemberDependencies { get }
}

extension MemberController {
    var plans: any PlanRepository { deps.plans }
    var registrations: RegistrationRepository { deps.registrations }
    var accounts: AccountRepository { deps.accounts }
    var hasher: PasswordHasher { deps.hasher }
    var challenge: any ChallengeVerifier { deps.challenge }
    var maxBodyBytes: Int { deps.maxBodyBytes }
    var limiter: RateLimiter { deps.limiter }

    /// Counts a hit on each key and throws 429 when a hard limit is over; the outcome carries the
    /// rate-limit headers for the response.
    func limit(_ keys: RateLimitKey...) async throws -> RateLimitOutcome {
        let outcome = try await limiter.hit(keys)
        try outcome.enforce()
        return outcome
    }
}

extension Response {
    /// The response with the rate-limit headers of `outcome` added.
    func with(_ outcome: RateLimitOutcome) -> Response {
        var response = self
        response.headers.append(contentsOf: outcome.headers)
        return response
    }
}

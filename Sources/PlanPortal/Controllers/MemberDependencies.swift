import Foundation
import Hummingbird

/// What the member-facing controllers (tags `member-*`) share.
public struct MemberDependencies: Sendable {
    public let plans: any PlanRepository
    public let registrations: RegistrationRepository
    public let accounts: AccountRepository
    public let hasher: PasswordHasher
    public let challenge: any ChallengeVerifier
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

    /// The bearer token and its account, or 401: a token of another plan is unknown here.
    func session(_ request: Request, plan: Plan) async throws -> (String, UUID) {
        guard let token = request.bearerToken, let accountID = try await accounts.authenticate(plan: plan, token: token) else {
            throw Problem.sessionRequired
        }
        return (token, accountID)
    }
}

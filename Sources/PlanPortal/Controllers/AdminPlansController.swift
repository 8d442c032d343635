import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore

/// Tag `admin-plans`: the plan registry for PlanPortal operators and TPAs.
public struct AdminPlansController: Sendable {
    let plans: any PlanRepository
    let audit: AuditRepository
    let maxBodyBytes: Int
    /// In production no plan may be switched to the `none` challenge provider.
    let environment: AppEnvironment

    public init(plans: any PlanRepository, audit: AuditRepository, maxBodyBytes: Int, environment: AppEnvironment = .development) {
        self.plans = plans
        self.audit = audit
        self.maxBodyBytes = maxBodyBytes
        self.environment = environment
    }

    func refuseNoChallengeInProduction(_ provider: ChallengeProvider?) throws {
        guard environment == .production, provider == ChallengeProvider.none else { return }
        throw Problem.validation([.init(
            field: "challenge.provider", rule: "production",
            message: .init(fr: "« none » est réservé au développement.", en: "\"none\" is for development only.")
        )])
    }

    public func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("plans", use: createPlan)
        group.get("plans", use: listPlans)
        group.get("plans/{plan}", use: getPlan)
        group.patch("plans/{plan}", use: updatePlan)
        group.get("plans/{plan}/audit-events", use: listAuditEvents)
    }

    /// `createPlan`: platform keys only.
    @Sendable func createPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard try context.requireAdminKey().role == .platform else { throw Problem.forbiddenRole }
        var request = request
        let body = try await request.decodeJSON(PlanCreateInput.self, limit: maxBodyBytes)
        try refuseNoChallengeInProduction(body.challenge?.provider)
        try body.challenge?.checkVerifyURL(byPlatform: true, policy: OutboundPolicy(environment: environment))
        let input = try body.validated()
        let plan = try await plans.create(input, audit: context.adminAuditEvent("plan.created"))
        return try .json(plan, status: .created, headers: [.location: "/v1/admin/plans/\(plan.slug)"])
    }

    /// `listPlans`: a plan-admin key sees only its own plans.
    @Sendable func listPlans(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireAdminKey()
        let items = try await plans.list(slugs: key.role == .platform ? nil : key.plans)
        return try .json(PlanList(items: items))
    }

    @Sendable func getPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        guard let plan = try await plans.find(slug) else { throw Problem.planNotFound }
        return try .json(plan)
    }

    @Sendable func updatePlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        var request = request
        let patch = try await request.decodeJSON(PlanPatch.self, limit: maxBodyBytes)
        try refuseNoChallengeInProduction(patch.challenge?.provider)
        let key = try context.requireAdminKey()
        try patch.challenge?.checkVerifyURL(byPlatform: key.role == .platform, policy: OutboundPolicy(environment: environment))
        if key.role != .platform, let argon2 = patch.argon2, case let errors = argon2.planAdminErrors(), !errors.isEmpty {
            throw Problem.validation(errors)
        }
        let event = context.adminAuditEvent("plan.updated", details: .init(fields: patch.fieldNames))
        guard let plan = try await plans.update(slug, patch: patch, audit: event) else { throw Problem.planNotFound }
        return try .json(plan)
    }

    @Sendable func listAuditEvents(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = try context.accessiblePlan(in: plans)
        let (limit, before) = try request.uri.pageQuery()
        guard try await plans.find(slug) != nil else { throw Problem.planNotFound }
        return try .json(try await audit.list(plan: slug, limit: limit, before: before))
    }
}

/// Body of `GET /v1/admin/plans`.
public struct PlanList: Encodable, Sendable {
    public var items: [Plan]
}

extension URI {
    /// `limit` (1–100, default 50) and the id decoded from `cursor`, or a 422 problem.
    func pageQuery(defaultLimit: Int = 50) throws -> (limit: Int, before: Int64?) {
        let query = queryParameters
        var errors: [LocalizedFieldError] = []
        var limit = defaultLimit
        if let raw = query.get("limit") {
            if let value = Int(raw), (1...100).contains(value) {
                limit = value
            } else {
                errors.append(.init(field: "limit", rule: "range", message: .init(fr: "Entier de 1 à 100.", en: "An integer from 1 to 100.")))
            }
        }
        var before: Int64?
        if let raw = query.get("cursor") {
            do { before = try Cursor.decode(raw) } catch let problem as Problem { errors.append(contentsOf: problem.errors) }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (limit, before)
    }
}

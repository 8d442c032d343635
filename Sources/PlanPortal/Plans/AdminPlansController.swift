import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore

/// Tag `admin-plans`: the plan registry for PlanPortal operators and TPAs.
struct AdminPlansController: Sendable {
    let plans: any PlanRepository
    let audit: AuditRepository
    let maxBodyBytes: Int
    /// In production no plan may be switched to the `none` challenge provider.
    let environment: AppEnvironment

    init(plans: any PlanRepository, audit: AuditRepository, maxBodyBytes: Int, environment: AppEnvironment = .development) {
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

    /// `POST`/`GET /v1/admin/plans` on `admin`, the rest on `plan` (`/v1/admin/plans/{plan}`).
    func addRoutes(to admin: RouterGroup<AppRequestContext>, plan: RouterGroup<AdminPlanRequestContext>) {
        admin.post("plans", use: createPlan)
        admin.get("plans", use: listPlans)
        plan.get(use: getPlan)
        plan.patch(use: updatePlan)
        plan.get("audit-events", use: listAuditEvents)
    }

    /// `createPlan`: platform keys only.
    @Sendable func createPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireAdminKey()
        guard key.role == .platform else { throw Problem.forbiddenRole }
        var request = request
        let body = try await request.decodeJSON(PlanCreateInput.self, limit: maxBodyBytes)
        try refuseNoChallengeInProduction(body.challenge?.provider)
        try body.challenge?.checkVerifyURL(byPlatform: true, policy: OutboundPolicy(environment: environment))
        let input = try body.validated()
        let plan = try await plans.create(input, audit: context.auditEvent("plan.created", by: .adminKey(key.id)))
        return try .json(plan, status: .created, headers: [.location: "/v1/admin/plans/\(plan.slug)"])
    }

    /// `listPlans`: a plan-admin key sees only its own plans.
    @Sendable func listPlans(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireAdminKey()
        let items = try await plans.list(slugs: key.role == .platform ? nil : key.plans)
        return try .json(PlanList(items: items))
    }

    @Sendable func getPlan(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        try .json(context.plan)
    }

    @Sendable func updatePlan(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        var request = request
        let patch = try await request.decodeJSON(PlanPatch.self, limit: maxBodyBytes)
        try refuseNoChallengeInProduction(patch.challenge?.provider)
        let key = context.scope.adminKey
        try patch.challenge?.checkVerifyURL(byPlatform: key.role == .platform, policy: OutboundPolicy(environment: environment))
        if key.role != .platform, let argon2 = patch.argon2, case let errors = argon2.planAdminErrors(), !errors.isEmpty {
            throw Problem.validation(errors)
        }
        let event = context.auditEvent("plan.updated", details: .init(fields: patch.fieldNames))
        guard let plan = try await plans.update(context.plan.slug, patch: patch, audit: event) else { throw Problem.planNotFound }
        return try .json(plan)
    }

    @Sendable func listAuditEvents(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let (limit, before) = try request.uri.pageQuery()
        return try .json(try await audit.list(plan: context.plan.slug, limit: limit, before: before))
    }
}

/// Body of `GET /v1/admin/plans`.
struct PlanList: Encodable, Sendable {
    var items: [Plan]
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

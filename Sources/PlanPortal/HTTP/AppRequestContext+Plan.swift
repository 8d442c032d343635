import Hummingbird

extension AppRequestContext {
    /// The `{plan}` path parameter, validated (422 `invalid_plan_slug`).
    public func planSlugParameter() throws -> PlanSlug {
        try PlanSlug.parse(parameters.get("plan") ?? "")
    }

    /// The `{plan}` of an admin route that the caller's key may act on. A key not allowed for the
    /// plan gets the same 404 as an unknown plan, so it cannot learn which plans exist.
    public func accessiblePlan(in plans: any PlanRepository) throws -> PlanSlug {
        let slug = try planSlugParameter()
        guard try requireAdminKey().canAccess(slug) else { throw Problem.planNotFound }
        return slug
    }

    /// The audit actor and request facts of the current admin request.
    public func adminAuditEvent(_ action: String, details: AuditDetails = .init()) -> NewAuditEvent {
        NewAuditEvent(
            action: action,
            actor: adminKey.map { .adminKey($0.id) } ?? .system,
            requestID: id,
            ip: remoteIP,
            details: details
        )
    }
}

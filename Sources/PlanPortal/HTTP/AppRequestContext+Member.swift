import Hummingbird

extension AppRequestContext {
    /// The plan of a member route (`/v1/plans/{plan}/…`): 422 for a malformed slug, 404 when unknown.
    public func memberPlan(in plans: any PlanRepository) async throws -> Plan {
        guard let plan = try await plans.find(planSlugParameter()) else { throw Problem.planNotFound }
        return plan
    }

    /// Audit facts of this request (no body, no path).
    public func facts(_ request: Request) -> RequestFacts {
        RequestFacts(requestID: id, ip: remoteIP, userAgent: request.headers[.userAgent])
    }

    /// The request's language (Accept-Language, French by default).
    public func language(_ request: Request) -> Language {
        Language.negotiate(request.headers[.acceptLanguage])
    }
}

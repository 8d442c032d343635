import Hummingbird
import Metrics
import Prometheus

/// Routes of the whole API, grouped like the contract's tags. Groups resolve once what their
/// routes share: the admin key, the plan (`{plan}`), the member's session.
/// `metrics`: where request metrics go (nil: `MetricsSystem.factory`, which `serve` bootstraps).
func buildRouter(_ services: AppServices, registry: PrometheusCollectorRegistry, metrics: (any MetricsFactory)? = nil) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let routes = RouteTable()
    router.add(middleware: EdgeMiddleware(services: services, routes: routes, metrics: metrics))
    HealthController(migrator: services.migrator).addRoutes(to: router)
    ContractController(document: services.document).addRoutes(to: router)
    if services.config.metricsOnMainListener { MetricsController(registry: registry).addRoutes(to: router) }
    let maxBodyBytes = services.config.maxJSONBodyBytes

    // `/v1/admin/**`: an admin key; under `plans/{plan}` also a plan the key may act on.
    let admin = router.group("v1/admin").add(middleware: AdminAuthMiddleware(
        keys: services.adminKeys, limiter: services.limiter, rule: services.config.adminRateLimit
    ))
    let adminPlan = admin.group("plans/{plan}").add(middleware: AdminPlanMiddleware(plans: services.plans))
        .group(context: AdminPlanRequestContext.self)
    AdminPlansController(plans: services.plans, audit: services.audit, maxBodyBytes: maxBodyBytes, environment: services.config.environment)
        .addRoutes(to: admin, plan: adminPlan)
    AdminBrandingController(branding: services.branding).addRoutes(to: adminPlan)
    AdminRosterController(roster: services.roster).addRoutes(to: adminPlan)
    AdminDependantsController(dependants: services.adminDependants, maxBodyBytes: maxBodyBytes).addRoutes(to: adminPlan)
    MemberSupportController(members: services.members).addRoutes(to: adminPlan)
    AdminTermsController(terms: services.terms).addRoutes(to: adminPlan)
    AdminBenefitsController(benefits: services.benefits, maxBodyBytes: maxBodyBytes).addRoutes(to: adminPlan)
    AdminClaimsController(claims: services.claims, maxBodyBytes: maxBodyBytes).addRoutes(to: adminPlan)
    AdminWebhooksController(webhooks: services.webhooks, policy: services.outbound.policy, maxBodyBytes: maxBodyBytes).addRoutes(to: adminPlan)

    // `/v1/plans/{plan}/**`: the plan; a member's own routes also need a live session.
    let plan = router.group("v1/plans/{plan}").add(middleware: PlanGroupMiddleware(plans: services.plans))
        .group(context: PlanRequestContext.self)
    let member = router.group("v1/plans/{plan}").add(middleware: PlanGroupMiddleware(plans: services.plans, sessions: services.sessions))
        .group(context: MemberRequestContext.self)
    MemberRegistrationController(registration: services.registration, maxBodyBytes: maxBodyBytes).addRoutes(to: plan)
    PublicPlanController(branding: services.branding).addRoutes(to: plan)
    MemberSessionController(sessions: services.sessions, maxBodyBytes: maxBodyBytes).addRoutes(to: plan, member: member)
    MemberAccountController(accounts: services.accounts, maxBodyBytes: maxBodyBytes).addRoutes(to: member)
    MemberPasswordResetController(resets: services.passwordResets, maxBodyBytes: maxBodyBytes).addRoutes(to: plan)
    MemberChallengeController().addRoutes(to: plan)
    MemberCoverageController(coverage: services.coverage).addRoutes(to: member)
    MemberClaimsController(claims: services.memberClaims, maxBodyBytes: maxBodyBytes).addRoutes(to: member)
    MemberDependantsController(dependants: services.dependants, maxBodyBytes: maxBodyBytes).addRoutes(to: member)
    // `/portal/{plan}/**`: the member portal's pages over the same operations.
    if let assets = services.portal {
        PortalController(
            registration: services.registration, sessions: services.sessions, resets: services.passwordResets,
            coverage: services.coverage, claims: services.memberClaims, accounts: services.accounts, dependants: services.dependants,
            renderer: PortalRenderer(assets: assets, sealer: PortalSealer(secrets: services.secrets))
        ).addRoutes(to: router, plans: services.plans)
    } else {
        services.logger.warning("no portal/ folder in the assets: the member portal is off")
    }
    routes.load(router.routes)
    return router
}

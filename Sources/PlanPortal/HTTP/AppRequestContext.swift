import Hummingbird
import NIOCore

/// The request context of every PlanPortal route. Route groups narrow it: `PlanRequestContext`,
/// `MemberRequestContext` and `AdminPlanRequestContext` are made from it once their middleware has
/// resolved the plan, the member's session or the admin key's plan.
public struct AppRequestContext: RequestContext, PlanPortalContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AdminAuthMiddleware` on `/v1/admin/**`.
    public var adminKey: AdminKey?
    /// Set by `PlanGroupMiddleware` and `AdminPlanMiddleware` on the routes of one plan.
    var plan: Plan?
    /// Set by `PlanGroupMiddleware` on a member's own routes.
    var memberSession: MemberSession?
    /// Peer address of the TCP connection (before any proxy header is considered).
    public let peerAddress: SocketAddress?
    /// The client's address after `TRUSTED_PROXIES` are peeled off (set by `EdgeMiddleware` through `ClientAddress`).
    public var clientIP: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress
    }

    /// The address rate limits, audit events and challenge providers see.
    public var remoteIP: String? { clientIP ?? peerAddress?.ipAddress }

    /// The admin key the auth middleware put here; routes under `/v1/admin` always have one.
    public func requireAdminKey() throws -> AdminKey {
        guard let adminKey else { throw Problem.unauthorized }
        return adminKey
    }

    /// The `{plan}` path parameter, validated (422 `invalid_plan_slug`).
    func planSlugParameter() throws -> PlanSlug {
        try PlanSlug.parse(parameters.get("plan") ?? "")
    }

    /// What a narrowed context is made from; a route wired without its middleware fails loudly.
    func resolved<Value>(_ value: Value?, by middleware: String) throws -> Value {
        guard let value else { throw MissingMiddleware(name: middleware) }
        return value
    }
}

/// A route group built without the middleware its context needs (a programming error: 500).
struct MissingMiddleware: Error, CustomStringConvertible {
    var name: String
    var description: String { "route group lacks \(name)" }
}

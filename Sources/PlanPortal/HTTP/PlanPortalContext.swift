import Foundation
import Hummingbird
import NIOCore

/// What every PlanPortal context offers its handlers, whichever group they are in.
public protocol PlanPortalContext: RequestContext {
    /// The address rate limits, audit events and challenge providers see.
    var remoteIP: String? { get }
}

extension PlanPortalContext {
    /// JSON bodies are read with the server's own limit (`AppConfig.maxJSONBodyBytes`); this bounds
    /// anything Hummingbird decodes by itself.
    public var maxUploadSize: Int { 64 * 1024 }

    /// What operations and the audit trail may know about this request: never its body or path.
    func facts(_ request: Request) -> RequestFacts {
        RequestFacts(requestID: id, ip: remoteIP, userAgent: request.headers[.userAgent], language: language(request))
    }

    /// The request's language (Accept-Language, French by default).
    func language(_ request: Request) -> Language {
        Language.negotiate(request.headers[.acceptLanguage])
    }

    /// An audit event of this request by `actor` (its request id and client address, never its body).
    func auditEvent(_ action: String, by actor: AuditActor, details: AuditDetails = .init()) -> NewAuditEvent {
        NewAuditEvent(action: action, actor: actor, requestID: id, ip: remoteIP, details: details)
    }

    /// A UUID path parameter, or nil when it is not one (callers answer 404).
    func uuidParameter(_ name: String) -> UUID? {
        parameters.get(name).flatMap { UUID(uuidString: $0) }
    }
}

/// A context narrowed by its route group's middleware to what that middleware resolved (its
/// `Scope`): handlers read `context.plan`, `context.session`… without optionals or look-ups.
@dynamicMemberLookup
struct ScopedRequestContext<Scope: RequestScope>: ChildRequestContext, PlanPortalContext {
    var coreContext: CoreRequestContextStorage
    let peerAddress: SocketAddress?
    let clientIP: String?
    let scope: Scope

    init(context: AppRequestContext) throws {
        (coreContext, peerAddress, clientIP) = (context.coreContext, context.peerAddress, context.clientIP)
        scope = try Scope(context)
    }

    /// `AppRequestContext.remoteIP`, formatted only when a handler asks.
    var remoteIP: String? { clientIP ?? peerAddress?.ipAddress }

    subscript<Value>(dynamicMember keyPath: KeyPath<Scope, Value>) -> Value { scope[keyPath: keyPath] }
}

/// What a route group's middleware puts in the context, read back once its middleware has run.
protocol RequestScope: Sendable {
    init(_ context: AppRequestContext) throws
}

/// Routes under `/v1/plans/{plan}`: the plan `PlanGroupMiddleware` found (404 before the handler otherwise).
typealias PlanRequestContext = ScopedRequestContext<PlanScope>

struct PlanScope: RequestScope {
    let plan: Plan

    init(_ context: AppRequestContext) throws {
        plan = try context.resolved(context.plan, by: "PlanGroupMiddleware")
    }
}

/// A member's own routes (`/v1/plans/{plan}/me…`, `sessions/current`): the plan and the session
/// `PlanGroupMiddleware` authenticated (401 before the handler otherwise).
typealias MemberRequestContext = ScopedRequestContext<MemberScope>

struct MemberScope: RequestScope {
    let plan: Plan
    let session: MemberSession

    init(_ context: AppRequestContext) throws {
        plan = try context.resolved(context.plan, by: "PlanGroupMiddleware")
        session = try context.resolved(context.memberSession, by: "PlanGroupMiddleware")
    }
}

/// Admin routes under `/v1/admin/plans/{plan}`: the admin key and the plan `AdminPlanMiddleware`
/// found among those the key may act on (404 before the handler otherwise).
typealias AdminPlanRequestContext = ScopedRequestContext<AdminPlanScope>

struct AdminPlanScope: RequestScope {
    let adminKey: AdminKey
    let plan: Plan

    init(_ context: AppRequestContext) throws {
        adminKey = try context.requireAdminKey()
        plan = try context.resolved(context.plan, by: "AdminPlanMiddleware")
    }
}

extension ScopedRequestContext where Scope == AdminPlanScope {
    /// An audit event of this admin request, by its key.
    func auditEvent(_ action: String, details: AuditDetails = .init()) -> NewAuditEvent {
        auditEvent(action, by: .adminKey(scope.adminKey.id), details: details)
    }
}

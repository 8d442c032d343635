import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The member portal: server-rendered pages at `/portal/{plan}/…` over the same member operations
/// as the JSON API (`RegistrationOperations`, `SessionOperations`, `PasswordResetOperations`,
/// `CoverageOperations`, `MemberClaimOperations`, `AccountOperations`, `DependantOperations`), so every limit, challenge, audit event, e-mail
/// and error code is the same. Forms post here and redirect (post/redirect/get); every form
/// carries a CSRF token; the session lives in an HttpOnly `__Host-` cookie per plan.
struct PortalController: Sendable {
    let registration: RegistrationOperations
    let sessions: SessionOperations
    let resets: PasswordResetOperations
    let coverage: CoverageOperations
    let claims: MemberClaimOperations
    let accounts: AccountOperations
    let dependants: DependantOperations
    let renderer: PortalRenderer

    var sealer: PortalSealer { renderer.sealer }

    func addRoutes(to router: Router<AppRequestContext>, plans: any PlanRepository) {
        router.get("portal/static/{file}", use: staticFile)
        let portal = router.group("portal/{plan}")
            .add(middleware: PortalHeadersMiddleware())
            .add(middleware: PortalErrorMiddleware(renderer: renderer))
            .add(middleware: PlanGroupMiddleware(plans: plans))
            .group(context: PlanRequestContext.self)
        portal.get(use: home)
        portal.get("brand.css", use: brandStylesheet)
        // Registration (RAMU steps 3-9).
        portal.get("register", use: registerForm)
        portal.post("register", use: startRegistration)
        portal.get("register/identity", use: identityForm)
        portal.post("register/identity", use: submitIdentity)
        portal.get("register/sent", use: emailSentPage)
        portal.post("register/resend", use: resendActivation)
        portal.get("register/resend", use: emailSentRedirect)
        portal.get("activation", use: activationForm)
        portal.post("activation", use: activateAccount)
        portal.get("activation/done", use: activationDone)
        // Log in (step 10), log out, forgotten password.
        portal.get("login", use: loginForm)
        portal.post("login", use: createSession)
        portal.post("logout", use: deleteCurrentSession)
        portal.get("password-reset", use: resetRequestForm)
        portal.post("password-reset", use: requestPasswordReset)
        portal.get("password-reset/sent", use: resetSentPage)
        portal.get("password-reset/new", use: resetCompletionForm)
        portal.post("password-reset/new", use: completePasswordReset)
        // Behind the login.
        portal.get("coverage", use: coveragePage)
        portal.get("profile", use: profilePage)
        portal.post("profile/language", use: updateMe)
        portal.get("profile/password", use: passwordChangeForm)
        portal.post("profile/password", use: changePassword)
        portal.get("profile/security-question", use: securityQuestionForm)
        portal.post("profile/security-question", use: putSecurityQuestion)
        portal.get("profile/dependants/new", use: dependantRequestForm)
        portal.post("profile/dependants/new", use: submitDependantRequest)
        portal.post("profile/dependants/requests/{requestId}/documents", use: addDependantRequestDocument)
        portal.get("profile/dependants/requests/{requestId}/documents/{documentId}", use: dependantRequestDocument)
        portal.get("claims", use: claimsPage)
        portal.get("claims/new", use: newClaimForm)
        portal.post("claims/new", use: submitClaim)
        portal.get("claims/{claimId}", use: claimPage)
        portal.get("claims/{claimId}/receipts/{attachmentId}", use: receipt)
    }

    // MARK: - What every handler starts from

    /// The scope of a portal request: its language (the member's choice, else the plan's), its
    /// flow (a fresh one when the cookie is missing or does not open).
    func scope(_ request: Request, _ context: PlanRequestContext) -> PortalScope {
        let plan = context.plan
        let chosen = PortalCookie.value(PortalCookie.language, in: request).flatMap(Language.init(rawValue:))
        let language = chosen ?? plan.defaultLocale
        let existing = sealer.open(request, plan: plan.slug)
        var facts = context.facts(request)
        facts.language = language
        return PortalScope(plan: plan, language: language, flow: existing ?? .fresh(), flowChanged: existing == nil, facts: facts)
    }

    /// The form of a POST, after its CSRF token is checked against the flow cookie: a form
    /// without it, or from a page of another flow, is refused with 403 before anything runs.
    func form(_ request: Request, _ context: PlanRequestContext, scope: PortalScope, files: Bool = false) async throws -> PortalForm {
        var request = request
        let form = try await PortalForm.read(&request, allowFiles: files)
        guard sealer.open(request, plan: scope.plan.slug) != nil,
              sealer.csrfMatches(form.fields["_csrf"], nonce: scope.flow.nonce, plan: scope.plan.slug)
        else { throw PortalRefusal.csrf(scope.language) }
        return form
    }

    /// The member behind the session cookie, or a redirect to the login page (with "your session
    /// expired" when the cookie named a session that is over).
    func member(_ request: Request, scope: inout PortalScope) async throws -> Response? {
        let name = PortalCookie.session(scope.plan.slug)
        guard let token = PortalCookie.value(name, in: request) else {
            return renderer.redirect("\(scope.base)/login", scope: scope)
        }
        guard let session = try await sessions.authenticate(plan: scope.plan, token: token) else {
            scope.cookies.append(PortalCookie.clear(name))
            return renderer.redirect("\(scope.base)/login?m=expired", scope: scope)
        }
        scope.session = session
        return nil
    }

    /// A status message named by `?m=` after a redirect (only known names; never member data).
    static let notices = [
        "resent": "sent_resent", "expired": "session_expired", "bye": "logged_out", "reset": "password_reset_done",
        "submitted": "claim_submitted", "language": "language_saved", "password": "password_changed",
        "question": "question_changed", "enrolment": "enrolment_sent", "enrolment_late": "enrolment_sent_late",
        "document": "enrolment_document_added",
    ]

    func notice(_ request: Request, _ scope: PortalScope) -> String? {
        request.uri.queryParameters.get("m").flatMap { Self.notices[$0] }.map { PortalText.text($0, scope.language) }
    }

    // MARK: - Static files and the home page

    @Sendable func staticFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let name = context.parameters.get("file"), let file = renderer.assets.files[name] else { throw HTTPError(.notFound) }
        return Response(
            status: .ok,
            headers: [.contentType: file.contentType, .cacheControl: "public, max-age=31536000, immutable", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(bytes: file.bytes))
        )
    }

    @Sendable func home(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let scope = scope(request, context)
        let loggedIn = PortalCookie.value(PortalCookie.session(scope.plan.slug), in: request) != nil
        return renderer.redirect("\(scope.base)/\(loggedIn ? "coverage" : "login")", scope: scope)
    }
}

/// What the portal refuses before any operation runs.
enum PortalRefusal: Error {
    /// A POST without the CSRF token of its flow (or without the flow cookie), refused in the page's language.
    case csrf(Language)
}

/// Renders what a portal handler did not: a refused form (403), an unknown plan (404), the
/// database or hashing pool being unavailable (503), anything else (500) — as a page, not JSON.
struct PortalErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let renderer: PortalRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch PortalRefusal.csrf(let language) {
            return page(request, language: language, title: "form_expired_title", body: nil, status: .forbidden, retryAfter: nil)
        } catch {
            let problem = ProblemResponse.problem(for: error, context: context)
            let language = Self.language(request)
            let title = problem.status == .notFound ? "not_found_title" : "error_title"
            return page(
                request, language: language, title: title, body: problem.detail(language), status: problem.status,
                retryAfter: problem.headers[.retryAfter]
            )
        }
    }

    static func language(_ request: Request) -> Language {
        PortalCookie.value(PortalCookie.language, in: request).flatMap(Language.init(rawValue:))
            ?? Language.negotiate(request.headers[.acceptLanguage])
    }

    /// A plain page without the plan (which may be the unknown thing).
    func page(_ request: Request, language: Language, title: String, body: String?, status: HTTPResponse.Status, retryAfter: String?) -> Response {
        let texts = PortalText.all(language)
        var context: [String: Any] = [
            "lang": language.rawValue, "t": texts, "title": texts[title] ?? title, "assets": "/portal/static",
            "version": renderer.assets.version, "formExpired": status == .forbidden,
        ]
        if let body { context["body"] = body }
        let html = renderer.assets.library.render(context, withTemplate: "error") ?? ""
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentLanguage: language.rawValue]
        if let retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

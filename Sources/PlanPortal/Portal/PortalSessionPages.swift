import Foundation
import Hummingbird

/// Log in (RAMU step 10: e-mail, password, the terms when they must be accepted, the challenge
/// when the limits demand it, the wait on 429) and log out.
extension PortalController {
    @Sendable func loginForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let scope = scope(request, context)
        if PortalCookie.value(PortalCookie.session(scope.plan.slug), in: request) != nil, request.uri.queryParameters.get("m") == nil {
            return renderer.redirect("\(scope.base)/coverage", scope: scope)
        }
        return renderer.page("login", title: "login_title", scope: scope, form: PortalFormState(notice: notice(request, scope)))
    }

    @Sendable func createSession(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        let form = try await form(request, context, scope: scope)
        let termsShown = form.optional("termsVersion")
        // The browser's device cookie (issue #11's device token): a cookie that cannot be one is
        // ignored rather than refused, since the member never typed it.
        let device = PortalCookie.value(PortalCookie.device(scope.plan.slug), in: request).flatMap { LinkToken($0) != nil ? $0 : nil }
        let input = LoginRequest(
            email: form["email"], password: form["password"], acceptTerms: form["acceptTerms"] == "yes",
            termsVersion: termsShown, challengeToken: PortalChallenge.token(in: form), deviceToken: device
        )
        var state = PortalFormState(values: ["email": form["email"]])
        var challengeShown = PortalChallenge.token(in: form) != nil
        do {
            let created = try await sessions.createSession(plan: scope.plan, input: input, facts: scope.facts)
            // A new flow (and so new CSRF tokens) once logged in: a token seen before cannot be replayed.
            scope.flow = .fresh()
            scope.flowChanged = true
            scope.cookies.append(PortalCookie.header(PortalCookie.session(scope.plan.slug), created.value.accessToken, maxAge: nil))
            // Each login hands out a new device token (the one presented is used up): this browser
            // keeps it for the next login, and keeps it across logouts (it opens nothing by itself).
            scope.cookies.append(PortalCookie.header(PortalCookie.device(scope.plan.slug), created.value.deviceToken, maxAge: PortalCookie.deviceMaxAge))
            return renderer.redirect("\(scope.base)/coverage", scope: scope)
        } catch let problem as Problem {
            var data: [String: Any] = [:]
            switch problem.code {
            case "terms_acceptance_required":
                let terms = try await sessions.getTerms(plan: scope.plan, language: scope.language)
                data["terms"] = ["version": terms.version, "text": terms.text]
                if termsShown != nil, form["acceptTerms"] != "yes" {
                    state.fail("acceptTerms", .init(fr: PortalText.text("terms_required", .fr), en: PortalText.text("terms_required", .en)))
                }
                state.status = .forbidden
            case "challenge_required", "challenge_failed":
                challengeShown = true
                state.show(problem, codes: ["challenge_required": "challenge", "challenge_failed": "challenge"])
            default:
                state.show(problem)
                if let seconds = problem.headers[.retryAfter], problem.status == .tooManyRequests { data["waitSeconds"] = seconds }
            }
            var page = renderer.page(
                "login", title: "login_title", scope: scope, data: data, form: state,
                challenge: challengeShown ? challenge(scope.plan) : nil
            )
            if let retry = problem.headers[.retryAfter] { page.headers[.retryAfter] = retry }
            return page
        }
    }

    @Sendable func deleteCurrentSession(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        _ = try await form(request, context, scope: scope)
        if let token = PortalCookie.value(PortalCookie.session(scope.plan.slug), in: request),
           let session = try await sessions.authenticate(plan: scope.plan, token: token) {
            try await sessions.deleteCurrentSession(plan: scope.plan, session: session, facts: scope.facts)
        }
        scope.flow = .fresh()
        scope.flowChanged = true
        scope.cookies.append(PortalCookie.clear(PortalCookie.session(scope.plan.slug)))
        return renderer.redirect("\(scope.base)/login?m=bye", scope: scope)
    }
}

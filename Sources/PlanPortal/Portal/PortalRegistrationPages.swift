import Foundation
import Hummingbird

/// Registration (RAMU steps 3-9) as pages: the e-mail twice, the identity with the challenge,
/// the "check your e-mail" page with resend, and activation from the e-mailed link.
extension PortalController {
    /// Problems about one field of the registration forms, by code.
    static let registrationFields = [
        "email_mismatch": "emailConfirmation", "invalid_email": "email", "email_domain_not_allowed": "email",
        "password_mismatch": "passwordConfirmation", "challenge_required": "challenge", "challenge_failed": "challenge",
    ]

    // MARK: Step 1: the institutional e-mail twice

    @Sendable func registerForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        renderer.page("register", title: "register_title", scope: scope(request, context))
    }

    @Sendable func startRegistration(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        let form = try await form(request, context, scope: scope)
        let input = RegistrationStart(email: form["email"], emailConfirmation: form["emailConfirmation"], locale: scope.language)
        do {
            let started = try await registration.startRegistration(plan: scope.plan, input: input, facts: scope.facts)
            scope.updateFlow { $0.registrationID = started.value.registrationId }
            return renderer.redirect("\(scope.base)/register/identity", scope: scope)
        } catch let problem as Problem {
            var state = PortalFormState(values: ["email": form["email"], "emailConfirmation": form["emailConfirmation"]])
            state.show(problem, codes: Self.registrationFields)
            return renderer.page("register", title: "register_title", scope: scope, form: state)
        }
    }

    // MARK: Step 2: identity and challenge

    @Sendable func identityForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let scope = scope(request, context)
        guard scope.flow.registrationID != nil else { return renderer.redirect("\(scope.base)/register", scope: scope) }
        return renderer.page("identity", title: "register_title", scope: scope, challenge: challenge(scope.plan))
    }

    @Sendable func submitIdentity(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let scope = scope(request, context)
        let form = try await form(request, context, scope: scope)
        guard let registrationID = scope.flow.registrationID else { return renderer.redirect("\(scope.base)/register", scope: scope) }
        let input = IdentitySubmission(
            lastName: form["lastName"], firstName: form["firstName"], dateOfBirth: form["dateOfBirth"],
            certificateNumber: form["certificateNumber"], challengeToken: PortalChallenge.token(in: form)
        )
        do {
            _ = try await registration.submitIdentity(plan: scope.plan, registrationID: registrationID, input: input, facts: scope.facts)
            return renderer.redirect("\(scope.base)/register/sent", scope: scope)
        } catch let problem as Problem {
            var state = PortalFormState(values: form.fields.filter { ["lastName", "firstName", "dateOfBirth", "certificateNumber"].contains($0.key) })
            state.show(problem, codes: Self.registrationFields)
            return renderer.page(
                "identity", title: "register_title", scope: scope,
                data: ["restart": ["registration_not_found", "registration_expired"].contains(problem.code)],
                form: state, challenge: challenge(scope.plan)
            )
        }
    }

    func challenge(_ plan: Plan) -> PortalChallenge? {
        plan.challenge.provider == .none ? nil : PortalChallenge(plan: plan)
    }

    // MARK: "Check your e-mail", whatever matched

    @Sendable func emailSentPage(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let scope = scope(request, context)
        return renderer.page(
            "sent", title: "sent_title", scope: scope, data: ["canResend": scope.flow.registrationID != nil],
            form: PortalFormState(notice: notice(request, scope))
        )
    }

    /// The resend form's address asked with GET (the language switch of its answer page).
    @Sendable func emailSentRedirect(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let scope = scope(request, context)
        return renderer.redirect("\(scope.base)/register/sent", scope: scope)
    }

    @Sendable func resendActivation(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let scope = scope(request, context)
        _ = try await form(request, context, scope: scope)
        guard let registrationID = scope.flow.registrationID else { return renderer.redirect("\(scope.base)/register", scope: scope) }
        do {
            _ = try await registration.resendActivation(plan: scope.plan, registrationID: registrationID, facts: scope.facts)
            return renderer.redirect("\(scope.base)/register/sent?m=resent", scope: scope)
        } catch let problem as Problem {
            var state = PortalFormState()
            state.show(problem)
            var page = renderer.page("sent", title: "sent_title", scope: scope, data: Self.wait(problem, canResend: true), form: state)
            if let retry = problem.headers[.retryAfter] { page.headers[.retryAfter] = retry }
            return page
        }
    }

    /// The wait a 429 asks for, for the page to show next to its form.
    static func wait(_ problem: Problem, canResend: Bool) -> [String: Any] {
        var data: [String: Any] = ["canResend": canResend]
        if problem.status == .tooManyRequests, let seconds = problem.headers[.retryAfter] { data["waitSeconds"] = seconds }
        return data
    }

    // MARK: Activation from the e-mailed link

    /// `?token=` is taken out of the URL at once: into the sealed flow cookie, then the same page
    /// without it, so neither the page's scripts nor a `Referer` ever see it.
    @Sendable func activationForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let raw = request.uri.queryParameters.get("token") {
            scope.keepLinkToken(String(raw), as: \.activationToken)
            return renderer.redirect("\(scope.base)/activation", scope: scope)
        }
        guard let token = scope.flow.liveActivationToken else { return activationState("missing", scope: scope) }
        do {
            let status = try await registration.getActivation(plan: scope.plan, token: token)
            return activationPage(scope: scope, emailHint: status.emailHint, form: PortalFormState())
        } catch let problem as Problem {
            return activationState(Self.linkState(problem), scope: scope)
        }
    }

    @Sendable func activateAccount(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        let form = try await form(request, context, scope: scope)
        guard let token = scope.flow.liveActivationToken else { return activationState("missing", scope: scope) }
        let input = ActivationSubmission(
            dateOfBirth: form["dateOfBirth"], certificateNumber: form["certificateNumber"], password: form["password"],
            passwordConfirmation: form["passwordConfirmation"], securityQuestionId: form["securityQuestionId"],
            securityAnswer: form["securityAnswer"]
        )
        do {
            _ = try await registration.activateAccount(plan: scope.plan, token: token, input: input, facts: scope.facts)
            scope.updateFlow {
                $0.activationToken = nil
                $0.registrationID = nil
            }
            return renderer.redirect("\(scope.base)/activation/done", scope: scope)
        } catch let problem as Problem {
            if ["activation_used", "activation_expired", "activation_not_found"].contains(problem.code) {
                return activationState(Self.linkState(problem), scope: scope)
            }
            var state = PortalFormState(values: [
                "dateOfBirth": form["dateOfBirth"], "certificateNumber": form["certificateNumber"],
                "securityQuestionId": form["securityQuestionId"],
            ])
            state.show(problem, codes: Self.registrationFields)
            let hint = try? await registration.getActivation(plan: scope.plan, token: token).emailHint
            return activationPage(scope: scope, emailHint: hint ?? "", form: state)
        }
    }

    static func linkState(_ problem: Problem) -> String {
        switch problem.code {
        case "activation_used", "reset_used": "used"
        case "activation_expired", "reset_expired": "expired"
        default: "missing"
        }
    }

    func activationPage(scope: PortalScope, emailHint: String, form: PortalFormState) -> Response {
        let selected = form.values["securityQuestionId"]
        let questions = registration.listSecurityQuestions(plan: scope.plan, language: scope.language).map {
            ["id": $0.id, "text": $0.text, "selected": $0.id == selected] as [String: Any]
        }
        return renderer.page(
            "activation", title: "activation_title", scope: scope,
            data: ["emailHint": emailHint, "questions": questions, "rules": passwordRules(scope), "policy": passwordPolicy(scope)],
            form: form
        )
    }

    func passwordRules(_ scope: PortalScope) -> [[String: String]] {
        scope.plan.passwordPolicy.rules.map { ["id": $0.id, "text": $0.text(scope.language)] }
    }

    /// The numbers the live checklist needs (the rules themselves are the server's).
    func passwordPolicy(_ scope: PortalScope) -> [String: Int] {
        let policy = scope.plan.passwordPolicy
        return ["minLength": policy.minLength, "maxLength": policy.maxLength, "minLetters": policy.minLetters]
    }

    /// The link's state page: `used` (log in), `expired` or `missing` (register again).
    func activationState(_ state: String, scope: PortalScope) -> Response {
        var form = PortalFormState()
        form.status = state == "missing" ? .notFound : .gone
        return renderer.page(
            "activation-state", title: "activation_\(state)_title", scope: scope,
            data: ["stateBody": PortalText.text("activation_\(state)_body", scope.language), "used": state == "used"], form: form
        )
    }

    @Sendable func activationDone(_ request: Request, context: PlanRequestContext) async throws -> Response {
        renderer.page("activation-done", title: "activation_done_title", scope: scope(request, context))
    }
}

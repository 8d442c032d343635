import Foundation
import Hummingbird

/// The forgotten password: the request (same answer whether or not an account matches), the
/// e-mailed link (out of the URL at once), the security question and the new password.
extension PortalController {
    @Sendable func resetRequestForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let raw = request.uri.queryParameters.get("token") {
            scope.keepLinkToken(String(raw), as: \.resetToken)
            return renderer.redirect("\(scope.base)/password-reset/new", scope: scope)
        }
        return renderer.page("reset-request", title: "reset_title", scope: scope)
    }

    @Sendable func requestPasswordReset(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let scope = scope(request, context)
        let form = try await form(request, context, scope: scope)
        let input = PasswordResetRequest(email: form["email"], challengeToken: PortalChallenge.token(in: form))
        do {
            _ = try await resets.requestPasswordReset(plan: scope.plan, input: input, facts: scope.facts)
            return renderer.redirect("\(scope.base)/password-reset/sent", scope: scope)
        } catch let problem as Problem {
            var state = PortalFormState(values: ["email": form["email"]])
            state.show(problem, codes: ["invalid_email": "email", "challenge_required": "challenge", "challenge_failed": "challenge"])
            let needsChallenge = ["challenge_required", "challenge_failed"].contains(problem.code) || PortalChallenge.token(in: form) != nil
            var page = renderer.page(
                "reset-request", title: "reset_title", scope: scope, data: Self.wait(problem, canResend: false), form: state,
                challenge: needsChallenge ? challenge(scope.plan) : nil
            )
            if let retry = problem.headers[.retryAfter] { page.headers[.retryAfter] = retry }
            return page
        }
    }

    @Sendable func resetSentPage(_ request: Request, context: PlanRequestContext) async throws -> Response {
        renderer.page("reset-sent", title: "reset_sent_title", scope: scope(request, context))
    }

    @Sendable func resetCompletionForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let scope = scope(request, context)
        guard let token = scope.flow.liveResetToken else { return resetState(scope) }
        do {
            let question = try await resets.getPasswordReset(plan: scope.plan, token: token, language: scope.language)
            return resetPage(scope: scope, question: question.text, form: PortalFormState())
        } catch let problem as Problem where ["reset_not_found", "reset_expired", "reset_used"].contains(problem.code) {
            return resetState(scope)
        }
    }

    @Sendable func completePasswordReset(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        let form = try await form(request, context, scope: scope)
        guard let token = scope.flow.liveResetToken else { return resetState(scope) }
        let input = PasswordResetCompletion(
            securityAnswer: form["securityAnswer"], password: form["password"], passwordConfirmation: form["passwordConfirmation"]
        )
        do {
            try await resets.completePasswordReset(plan: scope.plan, token: token, input: input, facts: scope.facts)
            scope.updateFlow { $0.resetToken = nil }
            return renderer.redirect("\(scope.base)/login?m=reset", scope: scope)
        } catch let problem as Problem {
            if ["reset_not_found", "reset_expired", "reset_used"].contains(problem.code) { return resetState(scope) }
            var state = PortalFormState()
            state.show(problem, codes: ["password_mismatch": "passwordConfirmation", "security_answer_mismatch": "securityAnswer"])
            let question = try? await resets.getPasswordReset(plan: scope.plan, token: token, language: scope.language)
            return resetPage(scope: scope, question: question?.text ?? "", form: state)
        }
    }

    func resetPage(scope: PortalScope, question: String, form: PortalFormState) -> Response {
        renderer.page(
            "reset-new", title: "reset_new_title", scope: scope, data: ["question": question, "rules": passwordRules(scope), "policy": passwordPolicy(scope)],
            form: form
        )
    }

    func resetState(_ scope: PortalScope) -> Response {
        var form = PortalFormState()
        form.status = .gone
        return renderer.page("reset-state", title: "reset_expired_title", scope: scope, form: form)
    }
}

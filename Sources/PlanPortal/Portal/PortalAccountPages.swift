import Foundation
import Hummingbird

/// The member's own settings behind the login: language (on the profile page), password and
/// security question (each on its own page). Each form calls the `AccountOperations` operation of
/// the same name as the JSON API's (`updateMe`, `changePassword`, `putSecurityQuestion`), so the
/// current-password limits, the sessions ended, the audit events and the notice e-mails are the same.
extension PortalController {
    @Sendable func updateMe(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        let form = try await form(request, context, scope: scope)
        do {
            let me = try await accounts.updateMe(
                plan: scope.plan, session: try scope.requireSession(), input: MePatch(locale: Language(rawValue: form["locale"])), facts: scope.facts
            )
            // The pages follow the member's new language too.
            scope.cookies.append(PortalCookie.header(PortalCookie.language, me.locale.rawValue, maxAge: PortalCookie.languageMaxAge))
            return renderer.redirect("\(scope.base)/profile?m=language", scope: scope)
        } catch let problem as Problem {
            var state = PortalFormState()
            state.show(problem, fields: ["body": "locale"])
            return try await profile(scope: scope, form: state)
        }
    }

    @Sendable func passwordChangeForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try await settingsPage(request, context) { passwordChangePage(scope: $0, form: PortalFormState()) }
    }

    @Sendable func changePassword(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try await settingsForm(request, context, done: "password") { scope, session, form in
            let input = PasswordChange(
                currentPassword: form["currentPassword"], newPassword: form["password"], newPasswordConfirmation: form["passwordConfirmation"]
            )
            _ = try await accounts.changePassword(plan: scope.plan, session: session, input: input, facts: scope.facts)
        } refused: { scope, _, problem in
            var state = PortalFormState()
            state.show(
                problem, fields: ["newPassword": "password", "newPasswordConfirmation": "passwordConfirmation"],
                codes: ["password_mismatch": "passwordConfirmation"]
            )
            return passwordChangePage(scope: scope, form: state, problem: problem)
        }
    }

    @Sendable func securityQuestionForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try await settingsPage(request, context) { securityQuestionPage(scope: $0, form: PortalFormState()) }
    }

    @Sendable func putSecurityQuestion(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try await settingsForm(request, context, done: "question") { scope, session, form in
            let input = SecurityQuestionChange(
                currentPassword: form["currentPassword"], securityQuestionId: form["securityQuestionId"], securityAnswer: form["securityAnswer"]
            )
            _ = try await accounts.putSecurityQuestion(plan: scope.plan, session: session, input: input, facts: scope.facts)
        } refused: { scope, form, problem in
            var state = PortalFormState(values: ["securityQuestionId": form["securityQuestionId"]])
            state.show(problem)
            return securityQuestionPage(scope: scope, form: state, problem: problem)
        }
    }

    /// A settings page for the logged-in member (else the login page).
    func settingsPage(
        _ request: Request, _ context: PlanRequestContext, render: (PortalScope) async throws -> Response
    ) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        return try await render(scope)
    }

    /// A settings form: the member, the form (its CSRF token checked), the operation, then the
    /// profile with the notice `done`; a refusal shows the form again, with the `Retry-After` of a 429.
    func settingsForm(
        _ request: Request, _ context: PlanRequestContext, done: String,
        run: (PortalScope, MemberSession, PortalForm) async throws -> Void,
        refused: (PortalScope, PortalForm, Problem) -> Response
    ) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        let form = try await form(request, context, scope: scope)
        do {
            try await run(scope, try scope.requireSession(), form)
            return renderer.redirect("\(scope.base)/profile?m=\(done)", scope: scope)
        } catch let problem as Problem {
            var page = refused(scope, form, problem)
            if let retry = problem.headers[.retryAfter] { page.headers[.retryAfter] = retry }
            return page
        }
    }

    // MARK: Pages

    @Sendable func profilePage(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try await settingsPage(request, context) { try await profile(scope: $0, form: PortalFormState(), notice: notice(request, $0)) }
    }

    func profile(scope: PortalScope, form: PortalFormState, notice: String? = nil, documentErrors: [String: String] = [:]) async throws -> Response {
        let me = try await sessions.getMe(plan: scope.plan, session: try scope.requireSession())
        var form = form
        form.notice = notice
        let languages = Language.allCases.map { language in
            ["code": language.rawValue, "label": PortalText.text("language_\(language.rawValue)", scope.language), "checked": language == me.locale]
                as [String: Any]
        }
        var data: [String: Any] = [
            "me": [
                "name": "\(me.firstName) \(me.lastName)", "email": me.email, "certificate": me.certificateNumber,
                "locale": PortalText.text("language_\(me.locale.rawValue)", scope.language),
            ],
            "languages": languages,
        ]
        // The family and the enrolment requests (issue #14).
        data.merge(try await familyProfile(scope: scope, documentErrors: documentErrors)) { $1 }
        return renderer.page("profile", title: "profile_title", scope: scope, data: data, form: form)
    }

    func passwordChangePage(scope: PortalScope, form: PortalFormState, problem: Problem? = nil) -> Response {
        renderer.page(
            "password-change", title: "password_change_title", scope: scope,
            data: ["rules": passwordRules(scope), "policy": passwordPolicy(scope)].merging(Self.wait(problem)) { $1 }, form: form
        )
    }

    func securityQuestionPage(scope: PortalScope, form: PortalFormState, problem: Problem? = nil) -> Response {
        let selected = form.values["securityQuestionId"]
        let questions = registration.listSecurityQuestions(plan: scope.plan, language: scope.language).map {
            ["id": $0.id, "text": $0.text, "selected": $0.id == selected] as [String: Any]
        }
        return renderer.page(
            "security-question", title: "question_change_title", scope: scope,
            data: ["questions": questions].merging(Self.wait(problem)) { $1 }, form: form
        )
    }

    /// The wait of a 429, shown in the error summary.
    static func wait(_ problem: Problem?) -> [String: Any] {
        problem.map { wait($0, canResend: false) } ?? [:]
    }
}

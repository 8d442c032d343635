import Foundation
import Hummingbird

/// Tag `member-registration`: RAMU steps 3-9 as JSON. Each handler decodes, calls one
/// `RegistrationOperations` operation of the same name, encodes.
struct MemberRegistrationController: Sendable {
    let registration: RegistrationOperations
    let maxBodyBytes: Int
    /// The plans' questions as last encoded (`EncodedDocuments`).
    let securityQuestions = EncodedDocuments<[LocalizedItem]>()

    func addRoutes(to group: RouterGroup<PlanRequestContext>) {
        group.post("registrations", use: startRegistration)
        group.post("registrations/{registrationId}/identity", use: submitIdentity)
        group.post("registrations/{registrationId}/resend", use: resendActivation)
        group.get("activations/{token}", use: getActivation)
        group.post("activations/{token}", use: activateAccount)
        group.get("security-questions", use: listSecurityQuestions)
        group.get("password-policy", use: getPasswordPolicy)
    }

    @Sendable func startRegistration(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var request = request
        let input = try await request.decodeJSON(RegistrationStart.self, limit: maxBodyBytes)
        let started = try await registration.startRegistration(plan: context.plan, input: input, facts: context.facts(request))
        return try Response.json(started.value, status: .created).with(started.limits)
    }

    /// Always 202 with the same body, matched or not (enumeration-safe).
    @Sendable func submitIdentity(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let registrationID = try Self.registrationID(context)
        var request = request
        let input = try await request.decodeJSON(IdentitySubmission.self, limit: maxBodyBytes)
        let limits = try await registration.submitIdentity(plan: context.plan, registrationID: registrationID, input: input, facts: context.facts(request))
        return try Response.json(EmailSent(), status: .accepted).with(limits)
    }

    @Sendable func resendActivation(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let limits = try await registration.resendActivation(plan: context.plan, registrationID: try Self.registrationID(context), facts: context.facts(request))
        return try Response.json(EmailSent(), status: .accepted).with(limits)
    }

    @Sendable func getActivation(_ request: Request, context: PlanRequestContext) async throws -> Response {
        try .json(try await registration.getActivation(plan: context.plan, token: try Self.token(context)))
    }

    struct Activated: Encodable, Sendable {
        var status = "active"
    }

    @Sendable func activateAccount(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let token = try Self.token(context)
        var request = request
        let input = try await request.decodeJSON(ActivationSubmission.self, limit: maxBodyBytes)
        let limits = try await registration.activateAccount(plan: context.plan, token: token, input: input, facts: context.facts(request))
        return try Response.json(Activated(), status: .created).with(limits)
    }

    @Sendable func listSecurityQuestions(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let language = context.language(request)
        let questions = registration.listSecurityQuestions(plan: context.plan, language: language)
        return try securityQuestions.response(plan: context.plan.slug, language: language, questions, headers: .publicJSONDocument(language))
    }

    @Sendable func getPasswordPolicy(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let language = context.language(request)
        return try .json(registration.getPasswordPolicy(plan: context.plan, language: language), headers: .publicDocument(language))
    }

    static func registrationID(_ context: PlanRequestContext) throws -> UUID {
        guard let id = context.uuidParameter("registrationId") else { throw Problem.registrationNotFound }
        return id
    }

    static func token(_ context: PlanRequestContext) throws -> LinkToken {
        guard let token = LinkToken(context.parameters.get("token") ?? "") else { throw Problem.activationNotFound }
        return token
    }
}

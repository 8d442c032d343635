import Foundation
import Hummingbird

/// Tag `member-registration`: seed steps 3-9, from the institutional e-mail to the active account.
public struct MemberRegistrationController: MemberController {
    let deps: MemberDependencies

    public init(_ deps: MemberDependencies) {
        self.deps = deps
    }

    public func addRoutes(to group: RouterGroup<PlanRequestContext>) {
        group.post("registrations", use: startRegistration)
        group.post("registrations/{registrationId}/identity", use: submitIdentity)
        group.post("registrations/{registrationId}/resend", use: resendActivation)
        group.get("activations/{token}", use: getActivation)
        group.post("activations/{token}", use: activateAccount)
        group.get("security-questions", use: listSecurityQuestions)
        group.get("password-policy", use: getPasswordPolicy)
    }

    public struct EmailSent: Codable, Sendable {
        public var status = "email_sent"
    }

    @Sendable func startRegistration(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        var request = request
        let body = try await request.decodeJSON(RegistrationStart.self, limit: maxBodyBytes)
        let email = try body.validatedEmail(for: plan)
        let limits = try await limit(RateLimitKey(.registrationIp, plan: plan, "start", context.remoteIP ?? "unknown"))
        let started = try await registrations.start(
            plan: plan, email: email, locale: body.locale ?? plan.defaultLocale, facts: context.facts(request)
        )
        return try Response.json(started, status: .created).with(limits)
    }

    /// Always 202 with the same body, matched or not (enumeration-safe). Limits first, then the
    /// challenge, then the roster; a refused challenge leaves the registration usable.
    @Sendable func submitIdentity(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        let registrationID = try Self.registrationID(context)
        var request = request
        let identity = try await request.decodeJSON(IdentitySubmission.self, limit: maxBodyBytes)
        try identity.validate()
        let limits = try await limit(
            RateLimitKey(.registrationIp, plan: plan, "identity", context.remoteIP ?? "unknown"),
            RateLimitKey(.identityCertificate, plan: plan, MatchKey.certificate(identity.certificateNumber))
        )
        try await challenge.verify(token: identity.challengeToken, plan: plan, remoteIP: context.remoteIP)
        try await registrations.submitIdentity(plan: plan, registrationID: registrationID, identity: identity, facts: context.facts(request))
        return try Response.json(EmailSent(), status: .accepted).with(limits)
    }

    @Sendable func resendActivation(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        let registrationID = try Self.registrationID(context)
        let limits = try await limit(
            RateLimitKey(.registrationIp, plan: plan, "resend", context.remoteIP ?? "unknown"),
            RateLimitKey(.resendInterval, plan: plan, registrationID.uuidString),
            RateLimitKey(.resendDaily, plan: plan, registrationID.uuidString)
        )
        try await registrations.resend(plan: plan, registrationID: registrationID, facts: context.facts(request))
        return try Response.json(EmailSent(), status: .accepted).with(limits)
    }

    /// Never consumes the token: mail scanners prefetch links.
    @Sendable func getActivation(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        return try .json(try await registrations.activationStatus(plan: plan, token: try Self.token(context)))
    }

    public struct Activated: Codable, Sendable {
        public var status = "active"
    }

    @Sendable func activateAccount(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        let token = try Self.token(context)
        var request = request
        let submission = try await request.decodeJSON(ActivationSubmission.self, limit: maxBodyBytes)
        let limits = try await limit(RateLimitKey(.activationIp, plan: plan, context.remoteIP ?? "unknown"))
        try await registrations.activate(plan: plan, token: token, submission: submission, hasher: hasher, facts: context.facts(request))
        return try Response.json(Activated(), status: .created).with(limits)
    }

    public struct QuestionItem: Codable, Sendable {
        public var id: String
        public var text: String
    }

    @Sendable func listSecurityQuestions(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        let language = context.language(request)
        return try .json(plan.securityQuestions.map { QuestionItem(id: $0.id, text: $0.text(language)) }, headers: [.contentLanguage: language.rawValue])
    }

    public struct PolicyBody: Codable, Sendable {
        public var minLength: Int
        public var maxLength: Int
        public var requireUppercase: Bool
        public var requireLowercase: Bool
        public var requireSpecial: Bool
        public var minLetters: Int
        public var blockCommonPasswords: Bool
        public var rejectEmailLocalPart: Bool
        public var rules: [QuestionItem]
    }

    @Sendable func getPasswordPolicy(_ request: Request, context: PlanRequestContext) async throws -> Response {
        let plan = context.plan
        let language = context.language(request)
        let p = plan.passwordPolicy
        let body = PolicyBody(
            minLength: p.minLength, maxLength: p.maxLength, requireUppercase: p.requireUppercase, requireLowercase: p.requireLowercase,
            requireSpecial: p.requireSpecial, minLetters: p.minLetters, blockCommonPasswords: p.blockCommonPasswords,
            rejectEmailLocalPart: p.rejectEmailLocalPart, rules: p.rules.map { QuestionItem(id: $0.id, text: $0.text(language)) }
        )
        return try .json(body, headers: [.contentLanguage: language.rawValue])
    }

    static func registrationID(_ context: PlanRequestContext) throws -> UUID {
        guard let raw = context.parameters.get("registrationId"), let id = UUID(uuidString: raw) else { throw Problem.registrationNotFound }
        return id
    }

    /// Tokens are 43 base64url characters; anything else cannot exist.
    static func token(_ context: PlanRequestContext) throws -> String {
        let raw = context.parameters.get("token") ?? ""
        guard raw.utf8.count == 43, raw.utf8.allSatisfy({ $0 == 0x2D || $0 == 0x5F || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }) else {
            throw Problem.activationNotFound
        }
        return raw
    }
}

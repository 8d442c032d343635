import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// Issue #12: the member's own language, password and security question.
@Suite struct MemberAccountTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    static func bearer(_ token: String, language: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        if let language { fields[.acceptLanguage] = language }
        return fields
    }

    /// An active member with a session; returns the fixture and the session token.
    static func member(_ client: any TestClientProtocol, _ services: AppServices, key: String) async throws -> (MemberFixture, String) {
        let f = try await MemberFixture.make(client: client, key: key)
        try await f.activate(client, services)
        let token = try #require(try await f.login(client).object()["accessToken"] as? String)
        return (f, token)
    }

    @Test(.tags(.updateMe)) func updateMeSetsTheLanguageOfTheMembersMail() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.member(client, services, key: key)
            try await client.execute(uri: "\(f.base)/me", method: .patch, headers: Self.bearer(token), body: .json(["locale": "en"])) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                let me = try response.object()
                #expect(me["locale"] as? String == "en")
                #expect(me["email"] as? String == f.email)
            }
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: Self.bearer(token)) { response in
                try #expect(response.object()["locale"] as? String == "en")
            }
            // The member's e-mails now come in English.
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: Self.json, body: .json(["email": f.email])) {
                #expect($0.status == .accepted)
            }
            let subject = try await services.postgres.query(
                "SELECT subject FROM control.outbox WHERE plan_slug = \(f.slug) AND kind = 'password_reset' ORDER BY id DESC LIMIT 1"
            ).decode(String.self).one()
            #expect(subject == "UdeM plan: reset your password")
            try #expect(await f.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'account.updated' AND details->'fields' = '[\"locale\"]'") == 1)

            for body: [String: Any] in [[:], ["locale": "de"], ["locale": "en", "email": "x@umontreal.ca"]] {
                try await client.execute(uri: "\(f.base)/me", method: .patch, headers: Self.bearer(token), body: .json(body)) { response in
                    #expect(response.status == .unprocessableContent, "\(body)")
                    try #expect(response.problemCode() == "validation_failed")
                }
            }
            try await client.execute(uri: "\(f.base)/me", method: .patch, headers: Self.json, body: .json(["locale": "fr"])) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test(.tags(.changePassword)) func changePasswordEndsEveryOtherSessionAndSendsANotice() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, current) = try await Self.member(client, services, key: key)
            let other = try #require(try await f.login(client).object()["accessToken"] as? String)
            // A reset link asked for before the change must not outlive it.
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: Self.json, body: .json(["email": f.email])) {
                #expect($0.status == .accepted)
            }
            let resetToken = try await f.queuedToken(services, kind: "password_reset")
            try #expect(await f.count(services, "SELECT count(*) FROM $S.device_tokens") == 2, "each login left a device token")
            let body: [String: Any] = ["currentPassword": "Soleil#Nord42", "newPassword": "Brume#Fleuve27", "newPasswordConfirmation": "Brume#Fleuve27"]
            try await client.execute(uri: "\(f.base)/me/password", method: .post, headers: Self.bearer(current), body: .json(body)) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.rateLimitPolicy]?.contains("\"current-password-account\";q=10;w=3600") == true)
            }
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: Self.bearer(current)) {
                #expect($0.status == .ok, "the session that changed the password goes on")
            }
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: Self.bearer(other)) {
                #expect($0.status == .unauthorized, "every other session ended")
            }
            try #expect(await f.count(services, "SELECT count(*) FROM $S.device_tokens") == 0, "a password change revokes every device token")
            try await client.execute(uri: "\(f.base)/password-resets/\(resetToken)", method: .get) { response in
                #expect(response.status == .gone)
                try #expect(response.problemCode() == "reset_expired")
            }
            try #expect(await f.login(client).status == .unauthorized)
            try #expect(await f.login(client, password: "Brume#Fleuve27").status == .created)
            try #expect(await f.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'password.changed'") == 1)

            // The notice, in the member's language (French), through the real SMTP peer; no token in it.
            let sender = services.deliveryService(plans: [f.slug])
            func notices() throws -> [String] {
                try MailCapture.messages(to: f.email).map { try MailCapture.plainText($0) }.filter { $0.contains("Le mot de passe de votre compte") }
            }
            try await TestEnvironment.waitUntil("the notice reaches the SMTP peer") {
                _ = try await sender.deliverDue()
                return try !notices().isEmpty
            }
            let notice = try #require(try notices().first)
            #expect(notice.contains("Régime UdeM"))
            #expect(notice.contains("Vos autres sessions ouvertes ont été fermées"))
            #expect(notice.contains("https://portal.example.ca/\(f.slug)/password-reset"))
            #expect(!notice.contains("token="))
            #expect(!notice.contains("Brume#Fleuve27") && !notice.contains("Soleil#Nord42"))
        }
    }

    @Test(.tags(.changePassword)) func changePasswordRefusesBeforeHashing() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.member(client, services, key: key)
            func post(_ body: [String: Any], language: String = "en") async throws -> TestResponse {
                try await client.execute(uri: "\(f.base)/me/password", method: .post, headers: Self.bearer(token, language: language), body: .json(body))
            }
            let mismatch = try await post(["currentPassword": "Soleil#Nord42", "newPassword": "Brume#Fleuve27", "newPasswordConfirmation": "Brume#Fleuve28"])
            try #expect(mismatch.status == .unprocessableContent && mismatch.problemCode() == "password_mismatch")
            let unchanged = try await post(["currentPassword": "Soleil#Nord42", "newPassword": "Soleil#Nord42", "newPasswordConfirmation": "Soleil#Nord42"])
            try #expect(unchanged.problemCode() == "password_unchanged")
            let weak = try await post(["currentPassword": "Soleil#Nord42", "newPassword": "brumefleuve", "newPasswordConfirmation": "brumefleuve"], language: "fr")
            try #expect(weak.problemCode() == "password_policy")
            let errors = try #require(try weak.object()["errors"] as? [[String: Any]])
            #expect(Set(errors.compactMap { $0["field"] as? String }) == ["newPassword"])
            #expect(Set(errors.compactMap { $0["rule"] as? String }) == ["uppercase", "special"])
            #expect(weak.headers[.contentLanguage] == "fr")
            let local = String(f.email.split(separator: "@")[0])
            let sameAsEmail = try await post(["currentPassword": "Soleil#Nord42", "newPassword": local, "newPasswordConfirmation": local])
            try #expect(sameAsEmail.problemCode() == "password_policy")
            let tooLong = try await post(["currentPassword": String(repeating: "x", count: 129), "newPassword": "Brume#Fleuve27", "newPasswordConfirmation": "Brume#Fleuve27"])
            try #expect(tooLong.problemCode() == "validation_failed")
            // None of these reached a current-password check.
            try #expect(await f.count(services, "SELECT count(*) FROM control.rate_limits WHERE key LIKE 'current-password-account:\(f.slug):%'") == 0)

            let wrong = try await post(["currentPassword": "Soleil#Nord43", "newPassword": "Brume#Fleuve27", "newPasswordConfirmation": "Brume#Fleuve27"])
            #expect(wrong.status == .unprocessableContent)
            try #expect(wrong.problemCode() == "current_password_incorrect")
            let field = try #require(try wrong.object()["errors"] as? [[String: Any]]).first
            #expect(field?["field"] as? String == "currentPassword")
            try #expect(await f.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'password.change_failed' AND details->>'outcome' = 'current_password_incorrect'") == 1)
            try #expect(await f.login(client).status == .created, "the password did not change")
        }
    }

    /// A stolen session guessing the password: 429 once the account's budget is spent, whatever
    /// the operation and even with the right password.
    @Test(.tags(.changePassword, .putSecurityQuestion)) func currentPasswordChecksAreLimitedPerAccount() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.member(client, services, key: key)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json([
                "rateLimits": ["currentPasswordAccount": ["limit": 3, "windowSeconds": 3600]],
            ])) { #expect($0.status == .ok) }
            let guess: [String: Any] = ["currentPassword": "Guess#1234", "newPassword": "Brume#Fleuve27", "newPasswordConfirmation": "Brume#Fleuve27"]
            for _ in 0..<3 {
                let response = try await client.execute(uri: "\(f.base)/me/password", method: .post, headers: Self.bearer(token), body: .json(guess))
                try #expect(response.problemCode() == "current_password_incorrect")
            }
            // The security question shares the account's budget.
            let question: [String: Any] = ["currentPassword": "Soleil#Nord42", "securityQuestionId": "first-job", "securityAnswer": "Camelot"]
            try await client.execute(uri: "\(f.base)/me/security-question", method: .put, headers: Self.bearer(token), body: .json(question)) { response in
                #expect(response.status == .tooManyRequests, "even the right password waits once the account's budget is spent")
                try #expect(response.problemCode() == "rate_limited")
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 > 0)
                #expect(response.headers[.rateLimit]?.contains("\"current-password-account\";r=0") == true)
            }
            try #expect(await f.count(services, "SELECT count(*) FROM $S.audit_events WHERE action IN ('password.change_failed', 'security_question.change_failed')") == 3)
            try #expect(await f.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'security_question.changed'") == 0)
        }
    }

    /// The per-address budget holds when the account's would not (many stolen sessions, one client).
    @Test(.tags(.changePassword)) func currentPasswordChecksAreLimitedPerAddress() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.member(client, services, key: key)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json([
                "rateLimits": ["currentPasswordAccount": ["limit": 100, "windowSeconds": 3600], "currentPasswordIp": ["limit": 2, "windowSeconds": 900]],
            ])) { #expect($0.status == .ok) }
            let guess: [String: Any] = ["currentPassword": "Guess#1234", "newPassword": "Brume#Fleuve27", "newPasswordConfirmation": "Brume#Fleuve27"]
            var codes: [String?] = []
            for _ in 0..<3 {
                let response = try await client.execute(uri: "\(f.base)/me/password", method: .post, headers: Self.bearer(token), body: .json(guess))
                codes.append(try response.problemCode())
            }
            #expect(codes == ["current_password_incorrect", "current_password_incorrect", "rate_limited"])
            let keys = try await services.postgres.query(
                "SELECT key FROM control.rate_limits WHERE key LIKE \("current-password-ip:\(f.slug):%")"
            ).decode(String.self).one()
            let stored = try #require(keys)
            #expect(!stored.contains("127.0.0.1"), "the address is stored as a digest")
        }
    }

    @Test(.tags(.changePassword)) func aSuccessTakesItsHitsBack() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.member(client, services, key: key)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json([
                "rateLimits": ["currentPasswordAccount": ["limit": 2, "windowSeconds": 3600]],
            ])) { #expect($0.status == .ok) }
            var password = "Soleil#Nord42"
            for next in ["Brume#Fleuve27", "Givre#Ouest31", "Aurore#Lac58"] {
                let body: [String: Any] = ["currentPassword": password, "newPassword": next, "newPasswordConfirmation": next]
                try await client.execute(uri: "\(f.base)/me/password", method: .post, headers: Self.bearer(token), body: .json(body)) {
                    #expect($0.status == .noContent, "three changes under a limit of two: successes do not count")
                }
                password = next
            }
        }
    }

    @Test(.tags(.putSecurityQuestion)) func putSecurityQuestionChangesWhatAResetAsks() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.member(client, services, key: key)
            let other = try #require(try await f.login(client).object()["accessToken"] as? String)
            let bad: [String: Any] = ["currentPassword": "Soleil#Nord42", "securityQuestionId": "favourite-colour", "securityAnswer": "-"]
            try await client.execute(uri: "\(f.base)/me/security-question", method: .put, headers: Self.bearer(token), body: .json(bad)) { response in
                #expect(response.status == .unprocessableContent)
                try #expect(response.problemCode() == "validation_failed")
                let fields = try #require(try response.object()["errors"] as? [[String: Any]]).compactMap { $0["field"] as? String }
                #expect(Set(fields) == ["securityQuestionId", "securityAnswer"])
            }
            let wrong: [String: Any] = ["currentPassword": "Soleil#Nord4", "securityQuestionId": "first-job", "securityAnswer": "Camelot"]
            try await client.execute(uri: "\(f.base)/me/security-question", method: .put, headers: Self.bearer(token), body: .json(wrong)) { response in
                try #expect(response.problemCode() == "current_password_incorrect")
            }
            var right = wrong
            right["currentPassword"] = "Soleil#Nord42"
            try await client.execute(uri: "\(f.base)/me/security-question", method: .put, headers: Self.bearer(token), body: .json(right)) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: Self.bearer(other)) {
                #expect($0.status == .ok, "a new security question ends no session")
            }
            try #expect(await f.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'security_question.changed'") == 1)
            try #expect(await f.count(services, "SELECT count(*) FROM control.outbox WHERE plan_slug = '\(f.slug)' AND kind = 'security_question_changed'") == 1)

            // The forgotten-password flow now asks the new question and takes the new answer.
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: Self.json, body: .json(["email": f.email])) {
                #expect($0.status == .accepted)
            }
            let reset = try await f.queuedToken(services, kind: "password_reset")
            try await client.execute(uri: "\(f.base)/password-resets/\(reset)", method: .get, headers: [.acceptLanguage: "en"]) { response in
                let question = try #require(try response.object()["securityQuestion"] as? [String: Any])
                #expect(question["id"] as? String == "first-job")
            }
            let old: [String: Any] = ["securityAnswer": "Minou Blanc", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
            try await client.execute(uri: "\(f.base)/password-resets/\(reset)", method: .post, headers: Self.json, body: .json(old)) { response in
                try #expect(response.problemCode() == "security_answer_mismatch")
            }
            let new: [String: Any] = ["securityAnswer": "camelot", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
            try await client.execute(uri: "\(f.base)/password-resets/\(reset)", method: .post, headers: Self.json, body: .json(new)) {
                #expect($0.status == .noContent)
            }
        }
    }
}

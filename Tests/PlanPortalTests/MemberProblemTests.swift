import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// Every 4xx of the member journey, each with its stable code.
@Suite struct MemberProblemTests {
    let json: HTTPFields = [.contentType: "application/json"]

    @Test(.tags(.startRegistration, .submitIdentity)) func registrationStartRules() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            let cases: [([String: Any], String)] = [
                (["email": "a@umontreal.ca", "emailConfirmation": "b@umontreal.ca"], "email_mismatch"),
                (["email": "a@gmail.com", "emailConfirmation": "a@gmail.com"], "email_domain_not_allowed"),
                (["email": "not-an-email", "emailConfirmation": "not-an-email"], "invalid_email"),
            ]
            for (body, code) in cases {
                try await client.execute(uri: "\(f.base)/registrations", method: .post, headers: json, body: .json(body)) { response in
                    #expect(response.status == .unprocessableContent)
                    try #expect(response.problemCode() == code)
                }
            }
            try await client.execute(uri: "/v1/plans/\(TestEnvironment.uniqueSlug("nope"))/registrations", method: .post, headers: json, body: .json(["email": "a@umontreal.ca", "emailConfirmation": "a@umontreal.ca"])) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "plan_not_found")
            }
            try await client.execute(uri: "\(f.base)/registrations/\(UUID())/identity", method: .post, headers: json, body: .json(f.identityBody())) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "registration_not_found")
            }
            let id = try await f.register(client)
            try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: json, body: .json(f.identityBody(dateOfBirth: "1998-13-01"))) { response in
                #expect(response.status == .unprocessableContent)
                try #expect(response.problemCode() == "validation_failed")
            }
            try await services.postgres.query("UPDATE \(schema: f.plan).registrations SET expires_at = now() - interval '1 second' WHERE id = \(UUID(uuidString: id)!)")
            try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: json, body: .json(f.identityBody())) { response in
                #expect(response.status == .gone)
                try #expect(response.problemCode() == "registration_expired")
            }
        }
    }

    @Test(.tags(.getActivation, .activateAccount, .resendActivation)) func activationProblems() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await client.execute(uri: "\(f.base)/activations/\(SecretToken.generate())", method: .get) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "activation_not_found")
            }
            let id = try await f.register(client)
            try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: json, body: .json(f.identityBody())) {
                #expect($0.status == .accepted)
            }
            let first = try await f.queuedToken(services)
            try await client.execute(uri: "\(f.base)/registrations/\(id)/resend", method: .post) { #expect($0.status == .accepted) }
            let token = try await f.queuedToken(services)
            #expect(token != first)
            try await client.execute(uri: "\(f.base)/activations/\(first)", method: .get) { response in
                #expect(response.status == .gone, "a newer e-mail supersedes older links")
                try #expect(response.problemCode() == "activation_expired")
            }

            var mismatch = f.activationBody()
            mismatch["passwordConfirmation"] = "Other#Pass99"
            try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: json, body: .json(mismatch)) { response in
                try #expect(response.problemCode() == "password_mismatch")
            }
            try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: json, body: .json(f.activationBody(password: "password"))) { response in
                #expect(response.status == .unprocessableContent)
                let problem = try response.object()
                #expect(problem["code"] as? String == "password_policy")
                let rules = Set(try #require(problem["errors"] as? [[String: Any]]).compactMap { $0["rule"] as? String })
                #expect(rules == ["uppercase", "special", "common_password"])
            }
            for _ in 1...5 {
                try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: json, body: .json(f.activationBody(dateOfBirth: "1999-01-01"))) { response in
                    #expect(response.status == .unprocessableContent)
                    try #expect(response.problemCode() == "identity_mismatch")
                }
            }
            try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: json, body: .json(f.activationBody())) { response in
                #expect(response.status == .gone, "five mismatches kill the token")
                try #expect(response.problemCode() == "activation_expired")
            }
            // A minute later (the resend interval is one per 60 s per registration).
            try await services.postgres.query("DELETE FROM control.rate_limits WHERE key LIKE \("resend-interval:\(f.slug):%")")
            try await client.execute(uri: "\(f.base)/registrations/\(id)/resend", method: .post) { #expect($0.status == .accepted) }
            let fresh = try await f.queuedToken(services)
            try await services.postgres.query("UPDATE \(schema: f.plan).activation_tokens SET expires_at = now() - interval '1 second'")
            try await client.execute(uri: "\(f.base)/activations/\(fresh)", method: .get) { response in
                #expect(response.status == .gone)
                try #expect(response.problemCode() == "activation_expired")
            }
        }
    }

    @Test(.tags(.createSession, .getMe, .getTerms, .requestPasswordReset, .getPasswordReset, .completePasswordReset)) func loginSessionAndResetProblems() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await f.activate(client, services)
            let wrong = try await client.execute(uri: "\(f.base)/sessions", method: .post, headers: .json(from: f.address), body: .json(["email": f.email, "password": "Wrong#Pass1", "acceptTerms": false]))
            let unknown = try await client.execute(uri: "\(f.base)/sessions", method: .post, headers: .json(from: f.address), body: .json(["email": "nobody@umontreal.ca", "password": "Wrong#Pass1", "acceptTerms": false]))
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            try #expect(wrong.problemCode() == "invalid_credentials")
            var a = try wrong.object(), b = try unknown.object()
            a["requestId"] = nil
            b["requestId"] = nil
            #expect(NSDictionary(dictionary: a) == NSDictionary(dictionary: b), "unknown e-mail and wrong password look the same")

            let login = try await f.login(client, acceptTerms: false)
            #expect(login.status == .created, "no terms published: nothing to accept")
            let access = try #require(try login.object()["accessToken"] as? String)
            let other = try await MemberFixture.make(client: client, key: key, terms: false)
            try await client.execute(uri: "\(other.base)/me", method: .get, headers: [.authorization: "Bearer \(access)"]) { response in
                #expect(response.status == .unauthorized, "a token of plan A is unknown on plan B")
            }
            try await client.execute(uri: "\(f.base)/me", method: .get) { #expect($0.status == .unauthorized) }
            try await services.postgres.query("UPDATE \(schema: f.plan).sessions SET last_seen_at = now() - interval '31 minutes'")
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: [.authorization: "Bearer \(access)"]) { response in
                #expect(response.status == .unauthorized, "idle timeout")
            }
            try await client.execute(uri: "\(f.base)/terms", method: .get) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "terms_not_found")
            }
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: json, body: .json(["email": "not an e-mail"])) { response in
                #expect(response.status == .unprocessableContent)
                try #expect(response.problemCode() == "invalid_email")
            }
            // Support locks the account: the right password gets 403, open sessions stop working.
            let live = try #require(try await f.login(client, acceptTerms: false).object()["accessToken"] as? String)
            try await services.postgres.query("UPDATE \(schema: f.plan).accounts SET status = 'locked'")
            let locked = try await f.login(client, acceptTerms: false)
            #expect(locked.status == .forbidden)
            try #expect(locked.problemCode() == "account_locked")
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: [.authorization: "Bearer \(live)"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await services.postgres.query("UPDATE \(schema: f.plan).accounts SET status = 'active'")
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: json, body: .json(["email": "nobody@umontreal.ca"])) { response in
                #expect(response.status == .accepted)
            }
            try #expect(await f.count(services, "SELECT count(*) FROM control.outbox WHERE plan_slug = '\(f.slug)' AND kind = 'password_reset'") == 0)
            try await client.execute(uri: "\(f.base)/password-resets/\(SecretToken.generate())", method: .get) { response in
                try #expect(response.problemCode() == "reset_not_found")
            }
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: json, body: .json(["email": f.email])) { #expect($0.status == .accepted) }
            let reset = try await f.queuedToken(services, kind: "password_reset")
            let bad: [String: Any] = ["securityAnswer": "nope", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
            for _ in 0..<5 {
                try await client.execute(uri: "\(f.base)/password-resets/\(reset)", method: .post, headers: json, body: .json(bad)) { response in
                    try #expect(response.problemCode() == "security_answer_mismatch")
                }
            }
            try await client.execute(uri: "\(f.base)/password-resets/\(reset)", method: .get) { response in
                #expect(response.status == .gone, "five wrong answers kill the link")
                try #expect(response.problemCode() == "reset_expired")
            }
        }
    }

    @Test(.tags(.listSecurityQuestions, .getPasswordPolicy, .getTerms, .publishTerms, .getMember)) func referenceDataAndSupportView() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            try await client.execute(uri: "\(f.base)/security-questions", method: .get, headers: [.acceptLanguage: "en"]) { response in
                let items = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
                #expect(items.count >= 6)
                #expect(items.first?["text"] as? String == "What was the name of your first pet?")
            }
            try await client.execute(uri: "\(f.base)/password-policy", method: .get) { response in
                let policy = try response.object()
                #expect(policy["minLength"] as? Int == 8)
                #expect(policy["maxLength"] as? Int == 128)
                #expect((policy["rules"] as? [[String: Any]])?.first?["text"] as? String == "Au moins 8 caractères.")
            }
            try await client.execute(uri: "\(f.base)/terms", method: .get, headers: [.acceptLanguage: "en"]) { response in
                let terms = try response.object()
                #expect(terms["version"] as? String == f.termsVersion)
                #expect(terms["text"] as? String == "Terms of use…")
            }
            // A NUL (which PostgreSQL text cannot hold) is a 422 on its field, not a 500; line breaks are fine.
            let nul: [String: Any] = ["version": "2027-01", "textFr": "Conditions\nu\u{0}x", "textEn": "Terms\n\tof use"]
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)/terms", method: .put, headers: .admin(key), body: .json(nul)) { response in
                #expect(response.status == .unprocessableContent)
                let errors = try #require(try response.object()["errors"] as? [[String: Any]])
                #expect(errors.map { $0["field"] as? String } == ["textFr"] && errors.first?["rule"] as? String == "no_control_characters")
            }
            let duplicate: [String: Any] = ["version": f.termsVersion, "textFr": "x", "textEn": "y"]
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)/terms", method: .put, headers: .admin(key), body: .json(duplicate)) { response in
                #expect(response.status == .conflict)
                try #expect(response.problemCode() == "terms_version_exists")
            }
            let member = "/v1/admin/plans/\(f.slug)/members/\(f.certificate)"
            try await client.execute(uri: member, method: .get, headers: .admin(key)) { response in
                #expect(response.status == .ok)
                let body = try response.object()
                #expect(body["accountStatus"] as? String == "none")
                #expect(body["dateOfBirth"] as? String == f.dateOfBirth)
            }
            let id = try await f.register(client)
            try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: json, body: .json(f.identityBody())) { _ in }
            try await client.execute(uri: member, method: .get, headers: .admin(key)) { response in
                try #expect(response.object()["accountStatus"] as? String == "pending")
            }
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)/members/NOSUCH1", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "member_not_found")
            }
            try #expect(await f.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'member.viewed'") == 3, "look-ups are audited, found or not")
        }
    }
}

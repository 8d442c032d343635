import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// The whole journey of the RAMU guide against real PostgreSQL and a real SMTP server.
@Suite struct SeedFlowTests {
    @Test(.tags(.startRegistration, .submitIdentity, .getActivation, .activateAccount, .createSession, .getMe, .deleteCurrentSession, .requestPasswordReset, .getPasswordReset, .completePasswordReset)) func walksTheSeedFlowEndToEnd() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let json: HTTPFields = [.contentType: "application/json"]
            let sender = services.deliveryService(plans: [f.slug])

            // Steps 3-7: e-mail twice, then identity against the roster.
            let registrationID = try await f.register(client)
            try await client.execute(uri: "\(f.base)/registrations/\(registrationID)/identity", method: .post, headers: json, body: .json(f.identityBody())) { response in
                #expect(response.status == .accepted)
                #expect(String(buffer: response.body) == #"{"status":"email_sent"}"#)
            }

            // Step 8: the activation e-mail, read off the SMTP server.
            try #expect(await sender.deliverDue() == 1)
            let raw = try await MailCapture.waitForMessage(to: f.email)
            let text = try MailCapture.plainText(raw)
            #expect(text.contains("Régime UdeM"))
            #expect(text.contains("24 heures"))
            #expect(text.contains("60 minutes"))
            #expect(text.contains("1-888-509-7797"))
            #expect(text.contains("https://portal.example.ca/\(f.slug)/activation?token="))
            #expect(raw.contains("Content-Type: text/html; charset=utf-8"))
            let token = try MailCapture.token(in: raw)
            try #expect(await f.count(services, "SELECT count(*) FROM control.outbox WHERE plan_slug = '\(f.slug)' AND sent_at IS NOT NULL AND body_text IS NULL AND to_address IS NULL") == 1)

            // Step 9: GET twice never consumes; then the account.
            for _ in 0..<2 {
                try await client.execute(uri: "\(f.base)/activations/\(token)", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try response.object()
                    #expect(body["status"] as? String == "valid")
                    #expect(body["emailHint"] as? String == "j•••@\(MemberFixture.domain)")
                }
            }
            try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: json, body: .json(f.activationBody())) { response in
                #expect(response.status == .created)
                try #expect(response.object()["status"] as? String == "active")
            }
            try await client.execute(uri: "\(f.base)/activations/\(token)", method: .get) { response in
                #expect(response.status == .gone)
                try #expect(response.problemCode() == "activation_used")
            }

            // Step 10: terms first, then a session.
            let refused = try await f.login(client, acceptTerms: false)
            #expect(refused.status == .forbidden)
            try #expect(refused.object()["code"] as? String == "terms_acceptance_required")
            try #expect(refused.object()["termsVersion"] as? String == f.termsVersion)
            let accepted = try await f.login(client)
            #expect(accepted.status == .created)
            let session = try accepted.object()
            #expect(session["tokenType"] as? String == "Bearer")
            #expect(session["termsVersion"] as? String == f.termsVersion)
            let access = try #require(session["accessToken"] as? String)
            try #expect(await f.count(services, "SELECT count(*) FROM $S.terms_acceptances WHERE version = '2026-09' AND user_agent = 'PlanPortalTests/1.0'") == 1)

            try await client.execute(uri: "\(f.base)/me", method: .get, headers: [.authorization: "Bearer \(access)"]) { response in
                #expect(response.status == .ok)
                let me = try response.object()
                #expect(me["email"] as? String == f.email)
                #expect(me["firstName"] as? String == "Jeanne")
                #expect(me["lastName"] as? String == "Côté-Tremblay")
                #expect(me["certificateNumber"] as? String == f.certificate)
                #expect(me["locale"] as? String == "fr")
                #expect(me["termsVersion"] as? String == f.termsVersion)
            }
            try await client.execute(uri: "\(f.base)/sessions/current", method: .delete, headers: [.authorization: "Bearer \(access)"]) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: [.authorization: "Bearer \(access)"]) { response in
                #expect(response.status == .unauthorized)
            }

            // Forgotten password: link by e-mail, then the security question.
            let second = try #require(try await f.login(client, acceptTerms: false).object()["accessToken"] as? String)
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: json, body: .json(["email": f.email])) { response in
                #expect(response.status == .accepted)
            }
            try #expect(await sender.deliverDue() == 1)
            let resetMail = try await MailCapture.waitForMessage(to: f.email, count: 2)
            let resetToken = try MailCapture.token(in: resetMail)
            try await client.execute(uri: "\(f.base)/password-resets/\(resetToken)", method: .get, headers: [.acceptLanguage: "en"]) { response in
                #expect(response.status == .ok)
                let question = try #require(try response.object()["securityQuestion"] as? [String: Any])
                #expect(question["id"] as? String == "first-pet")
                #expect(question["text"] as? String == "What was the name of your first pet?")
            }
            let wrong: [String: Any] = ["securityAnswer": "Rex", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
            try await client.execute(uri: "\(f.base)/password-resets/\(resetToken)", method: .post, headers: json, body: .json(wrong)) { response in
                #expect(response.status == .unprocessableContent)
                try #expect(response.problemCode() == "security_answer_mismatch")
            }
            let right: [String: Any] = ["securityAnswer": "  minou-blanc ", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
            try await client.execute(uri: "\(f.base)/password-resets/\(resetToken)", method: .post, headers: json, body: .json(right)) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: [.authorization: "Bearer \(second)"]) { response in
                #expect(response.status == .unauthorized, "a reset revokes every session")
            }
            try #expect(await f.login(client, acceptTerms: false).status == .unauthorized)
            try #expect(await f.login(client, password: "Hiver#Sud77x", acceptTerms: false).status == .created)
            try await client.execute(uri: "\(f.base)/password-resets/\(resetToken)", method: .get) { response in
                #expect(response.status == .gone)
                try #expect(response.problemCode() == "reset_used")
            }

            let actions = try await services.audit.list(plan: f.plan, limit: 100, before: nil).items.map(\.action)
            for action in ["registration.started", "identity.matched", "email.queued", "email.sent", "account.activated",
                           "terms.accepted", "login.success", "login.failure", "logout", "password_reset.requested", "password_reset.completed"] {
                #expect(actions.contains(action), "audit has \(action)")
            }
            let audit = try await services.postgres.query("SELECT string_agg(details::text || coalesce(request_id, ''), ' ') FROM \(schema: f.plan).audit_events")
            for try await all in audit.decode(String?.self) {
                let text = all ?? ""
                #expect(!text.contains(f.dateOfBirth) && !text.contains(token) && !text.contains("Soleil"), "no secrets in the audit trail")
            }
        }
    }

    @Test(.tags(.submitIdentity)) func matchedAndUnmatchedIdentityAnswerAlike() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let json: HTTPFields = [.contentType: "application/json"]
            let matched = try await f.register(client)
            let unmatched = try await f.register(client, email: "someone.else.\(f.slug.suffix(6))@\(MemberFixture.domain)")
            let a = try await client.execute(uri: "\(f.base)/registrations/\(matched)/identity", method: .post, headers: json, body: .json(f.identityBody()))
            let b = try await client.execute(uri: "\(f.base)/registrations/\(unmatched)/identity", method: .post, headers: json, body: .json(f.identityBody(dateOfBirth: "1998-04-02")))
            #expect(a.status == .accepted)
            #expect(b.status == a.status)
            #expect(Array(buffer: a.body) == Array(buffer: b.body), "byte-identical bodies")
            #expect(a.headers[.contentType] == b.headers[.contentType])
            try #expect(await f.count(services, "SELECT count(*) FROM control.outbox WHERE plan_slug = '\(f.slug)' AND kind = 'activation'") == 1)
            try #expect(await f.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'identity.unmatched'") == 1)

            // With an active account, a new identity match sends the "you already have an account" e-mail.
            let token = try await f.queuedToken(services)
            try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: json, body: .json(f.activationBody())) {
                #expect($0.status == .created)
            }
            let again = try await f.register(client)
            let c = try await client.execute(uri: "\(f.base)/registrations/\(again)/identity", method: .post, headers: json, body: .json(f.identityBody()))
            #expect(Array(buffer: c.body) == Array(buffer: a.body))
            try #expect(await f.count(services, "SELECT count(*) FROM control.outbox WHERE plan_slug = '\(f.slug)' AND kind = 'already_registered'") == 1)
        }
    }

    @Test(.tags(.activateAccount)) func twoConcurrentActivationsCreateOneAccount() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let id = try await f.register(client)
            try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: [.contentType: "application/json"], body: .json(f.identityBody())) {
                #expect($0.status == .accepted)
            }
            let token = try await f.queuedToken(services)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: [.contentType: "application/json"], body: .json(f.activationBody())) { $0.status }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .gone || $0 == .conflict }.count == 1)
            try #expect(await f.count(services, "SELECT count(*) FROM $S.accounts") == 1)
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import PlanPortal

/// Issue #12: the member portal's pages over the same operations as the JSON API. (The journeys
/// in a real browser, axe and the keyboard are in Tests/Browser, run by deploy/local/browser-check.)
@Suite struct PortalTests {
    /// A cookie jar and CSRF reader over the test client: what a browser does between pages.
    final class Browser: @unchecked Sendable {
        let client: any TestClientProtocol
        var cookies: [String: String] = [:]
        var csrf: String?
        /// The `Origin` a browser sends with a form post (the portal's own, or another site's).
        var origin: String?
        /// The browser's own client address (`X-Forwarded-For`): per-address limits such as
        /// `loginIp` count across every plan, so tests on 127.0.0.1 would count each other's.
        let address = TestAddress.unique()

        init(_ client: any TestClientProtocol) { self.client = client }

        @discardableResult
        func get(_ uri: String) async throws -> TestResponse {
            let response = try await client.execute(uri: uri, method: .get, headers: headers())
            remember(response)
            return response
        }

        @discardableResult
        func post(_ uri: String, _ fields: [String: String], csrf: Bool = true) async throws -> TestResponse {
            var fields = fields
            if csrf, let token = self.csrf { fields["_csrf"] = token }
            let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
            var headers = headers()
            headers[.contentType] = "application/x-www-form-urlencoded"
            let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
            remember(response)
            return response
        }

        /// A `multipart/form-data` POST with one file part, as a browser sends a form with a file input.
        @discardableResult
        func postMultipart(_ uri: String, _ fields: [String: String], file: (name: String, filename: String, bytes: [UInt8])) async throws -> TestResponse {
            var fields = fields
            if let token = self.csrf { fields["_csrf"] = token }
            let boundary = "----PortalTests\(UUID().uuidString)"
            var body = ByteBuffer()
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
            }
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/pdf\r\n\r\n")
            body.writeBytes(file.bytes)
            body.writeString("\r\n--\(boundary)--\r\n")
            var headers = headers()
            headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let response = try await client.execute(uri: uri, method: .post, headers: headers, body: body)
            remember(response)
            return response
        }

        /// Logs in through the portal's login page (accepting the terms).
        func logIn(_ f: MemberFixture, email: String? = nil) async throws {
            try await get("/portal/\(f.slug)/login")
            let response = try await post("/portal/\(f.slug)/login", [
                "email": email ?? f.email, "password": "Soleil#Nord42", "acceptTerms": "yes", "termsVersion": f.termsVersion,
            ])
            #expect(response.status == .seeOther && response.headers[.location] == "/portal/\(f.slug)/coverage")
        }

        func headers() -> HTTPFields {
            var fields: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: address]
            if !cookies.isEmpty { fields[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
            if let origin { fields[.origin] = origin }
            return fields
        }

        func remember(_ response: TestResponse) {
            for field in response.headers where field.name == .setCookie {
                let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
                let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
                if value.isEmpty || field.value.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
            }
            let page = String(buffer: response.body)
            if let range = page.range(of: #"name="_csrf" value="[^"]+""#, options: .regularExpression) {
                csrf = String(page[range].dropFirst(#"name="_csrf" value=""#.count).dropLast())
            }
        }
    }

    static func actions(_ services: AppServices, _ f: MemberFixture, after id: Int) async throws -> [String] {
        let rows = try await services.postgres.query(PostgresQuery(unsafeSQL:
            "SELECT action FROM \(f.plan.quotedSchema).audit_events WHERE id > \(id) ORDER BY id"))
        var actions: [String] = []
        for try await action in rows.decode(String.self) { actions.append(action) }
        return actions
    }

    static func lastAuditID(_ services: AppServices, _ f: MemberFixture) async throws -> Int {
        try await f.count(services, "SELECT coalesce(max(id), 0)::int FROM $S.audit_events")
    }

    /// One operation through both presentations: the same refusals (code and text) and the same
    /// audit trail, because both call `RegistrationOperations`.
    @Test(.tags(.startRegistration, .submitIdentity)) func portalAndJSONRegistrationShareRulesAndAuditTrail() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            // A refusal: the JSON problem and the page say the same, in the same words.
            let json = try await client.execute(
                uri: "\(f.base)/registrations", method: .post, headers: [.contentType: "application/json"],
                body: .json(["email": f.email, "emailConfirmation": "other@\(MemberFixture.domain)"])
            )
            #expect(json.status == .unprocessableContent)
            #expect(try json.problemCode() == "email_mismatch")
            let browser = Browser(client)
            try await browser.get("/portal/\(f.slug)/register")
            let page = try await browser.post("/portal/\(f.slug)/register", ["email": f.email, "emailConfirmation": "other@\(MemberFixture.domain)"])
            #expect(page.status == .unprocessableContent)
            #expect(String(buffer: page.body).contains(Problem.emailMismatch.detail(.fr)))

            // The same registration, once as JSON (the fixture's member) and once as pages (the
            // roster's second member): the same audit actions, in the same order.
            var mark = try await Self.lastAuditID(services, f)
            let registrationID = try await f.register(client)
            let identity = try await client.execute(
                uri: "\(f.base)/registrations/\(registrationID)/identity", method: .post, headers: [.contentType: "application/json"],
                body: .json(f.identityBody())
            )
            #expect(identity.status == .accepted)
            let jsonTrail = try await Self.actions(services, f, after: mark)
            mark = try await Self.lastAuditID(services, f)
            let other = "luc.roy.\(f.slug)@\(MemberFixture.domain)"
            let started = try await browser.post("/portal/\(f.slug)/register", ["email": other, "emailConfirmation": other])
            #expect(started.status == .seeOther)
            #expect(started.headers[.location] == "/portal/\(f.slug)/register/identity")
            try await browser.get("/portal/\(f.slug)/register/identity")
            let sent = try await browser.post("/portal/\(f.slug)/register/identity", [
                "lastName": "Roy", "firstName": "Luc", "dateOfBirth": "1990-01-01", "certificateNumber": "Z\(f.certificate)",
            ])
            #expect(sent.status == .seeOther)
            #expect(sent.headers[.location] == "/portal/\(f.slug)/register/sent")
            let portalTrail = try await Self.actions(services, f, after: mark)
            #expect(!jsonTrail.isEmpty)
            #expect(jsonTrail == portalTrail)
            // Both e-mails were queued, each with a link into the plan's portal.
            try #expect(await f.count(services, "SELECT count(*)::int FROM control.outbox WHERE plan_slug = '\(f.slug)'") == 2)
        }
    }

    @Test func pagesCarryAStrictPolicyAndFormsNeedTheirCSRFToken() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key, challenge: "pow")
            let browser = Browser(client)
            let page = try await browser.get("/portal/\(f.slug)/register/identity")
            #expect(page.status == .seeOther, "step 2 before step 1 goes back to step 1")
            let flow = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("__Host-pp-\(f.slug)-flow=") })
            #expect(flow.contains("; Path=/; Secure; HttpOnly; SameSite=Lax"))
            let register = try await browser.get("/portal/\(f.slug)/register")
            #expect(register.status == .ok)
            let policy = try #require(register.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'self'") && policy.contains("script-src 'self';") && policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(register.headers[.referrerPolicy] == "no-referrer")
            #expect(register.headers[.cacheControl] == "no-store")
            let html = String(buffer: register.body)
            #expect(html.contains("<html lang=\"fr\">"))
            #expect(!html.contains("<script>") && !html.contains("style="), "no inline script or style")

            // Without the token, with another flow's token, or without the flow cookie: 403, nothing started.
            let missing = try await browser.post("/portal/\(f.slug)/register", ["email": f.email, "emailConfirmation": f.email], csrf: false)
            #expect(missing.status == .forbidden)
            let forged = try await browser.post("/portal/\(f.slug)/register", ["email": f.email, "emailConfirmation": f.email, "_csrf": String(repeating: "A", count: 43)], csrf: false)
            #expect(forged.status == .forbidden)
            let stranger = Browser(client)
            stranger.csrf = browser.csrf
            let noCookie = try await stranger.post("/portal/\(f.slug)/register", ["email": f.email, "emailConfirmation": f.email])
            #expect(noCookie.status == .forbidden)
            let accepted = try await browser.post("/portal/\(f.slug)/register", ["email": f.email, "emailConfirmation": f.email])
            #expect(accepted.status == .seeOther)

            // The language switch: remembered, and the page comes back without the parameter.
            let switched = try await browser.get("/portal/\(f.slug)/register?lang=en")
            #expect(switched.status == .seeOther && switched.headers[.location] == "/portal/\(f.slug)/register")
            let english = try await browser.get("/portal/\(f.slug)/register")
            #expect(String(buffer: english.body).contains("<html lang=\"en\">"))

            // The challenge page of a pow plan loads our solver only.
            let identity = try await browser.get("/portal/\(f.slug)/register/identity")
            #expect(identity.status == .ok)
            #expect(String(buffer: identity.body).contains("data-pow-url=\"/v1/plans/\(f.slug)/challenge\""))
            #expect(try #require(identity.headers[.contentSecurityPolicy]).contains("script-src 'self';"))

            let unknown = try await client.execute(uri: "/portal/no-such-plan/login", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType] == "text/html; charset=utf-8")
        }
    }

    /// The e-mailed token leaves the address at once: into the sealed flow cookie, then the same
    /// page without it; the page never shows it. An expired session goes back to the login page.
    @Test(.tags(.getActivation, .activateAccount, .createSession)) func linkTokensLeaveTheURLAndSessionsLiveInACookie() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let registrationID = try await f.register(client)
            try await client.execute(
                uri: "\(f.base)/registrations/\(registrationID)/identity", method: .post, headers: [.contentType: "application/json"],
                body: .json(f.identityBody())
            ) { #expect($0.status == .accepted) }
            let token = try await f.queuedToken(services)
            let browser = Browser(client)
            let landing = try await browser.get("/portal/\(f.slug)/activation?token=\(token)")
            #expect(landing.status == .seeOther)
            #expect(landing.headers[.location] == "/portal/\(f.slug)/activation")
            let sealed = try #require(browser.cookies["__Host-pp-\(f.slug)-flow"])
            #expect(!sealed.contains(token))
            let form = try await browser.get("/portal/\(f.slug)/activation")
            #expect(form.status == .ok)
            #expect(!String(buffer: form.body).contains(token))
            let done = try await browser.post("/portal/\(f.slug)/activation", [
                "dateOfBirth": f.dateOfBirth, "certificateNumber": f.certificate, "password": "Soleil#Nord42",
                "passwordConfirmation": "Soleil#Nord42", "securityQuestionId": SecurityQuestion.defaults[0].id, "securityAnswer": "Laval",
            ])
            #expect(done.status == .seeOther && done.headers[.location] == "/portal/\(f.slug)/activation/done")
            let used = try await browser.get("/portal/\(f.slug)/activation?token=\(token)")
            #expect(used.status == .seeOther)
            #expect(try await browser.get("/portal/\(f.slug)/activation").status == .gone)

            try await browser.get("/portal/\(f.slug)/login")
            let terms = try await browser.post("/portal/\(f.slug)/login", ["email": f.email, "password": "Soleil#Nord42"])
            #expect(terms.status == .forbidden)
            #expect(String(buffer: terms.body).contains("name=\"termsVersion\" value=\"\(f.termsVersion)\""))
            let login = try await browser.post("/portal/\(f.slug)/login", [
                "email": f.email, "password": "Soleil#Nord42", "acceptTerms": "yes", "termsVersion": f.termsVersion,
            ])
            #expect(login.status == .seeOther && login.headers[.location] == "/portal/\(f.slug)/coverage")
            let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("__Host-pp-\(f.slug)=") })
            #expect(cookie.contains("; Path=/; Secure; HttpOnly; SameSite=Lax"))
            let sessionToken = try #require(browser.cookies["__Host-pp-\(f.slug)"])
            let profile = try await browser.get("/portal/\(f.slug)/profile")
            #expect(profile.status == .ok)
            #expect(String(buffer: profile.body).contains(f.certificate))
            #expect(!String(buffer: profile.body).contains(sessionToken))

            // The session ends (as after the idle timeout): the next page says so on the login page.
            try await services.postgres.query(PostgresQuery(unsafeSQL: "UPDATE \(f.plan.quotedSchema).sessions SET revoked_at = now()"))
            let expired = try await browser.get("/portal/\(f.slug)/profile")
            #expect(expired.status == .seeOther && expired.headers[.location] == "/portal/\(f.slug)/login?m=expired")
            #expect(browser.cookies["__Host-pp-\(f.slug)"] == nil)
            let message = try await browser.get("/portal/\(f.slug)/login?m=expired")
            #expect(String(buffer: message.body).contains(PortalText.text("session_expired", .fr)))

            // The device token (issue #11) lives in its own long-lived cookie, survives the ended
            // session, and is presented by the next login, which uses it up and hands a new one.
            let deviceCookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("__Host-pp-\(f.slug)-device=") })
            #expect(deviceCookie.hasSuffix("; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=\(180 * 24 * 3600)"))
            let firstDevice = try #require(browser.cookies["__Host-pp-\(f.slug)-device"])
            #expect(!String(buffer: profile.body).contains(firstDevice))
            try await browser.get("/portal/\(f.slug)/login")
            let again = try await browser.post("/portal/\(f.slug)/login", ["email": f.email, "password": "Soleil#Nord42"])
            #expect(again.status == .seeOther && again.headers[.location] == "/portal/\(f.slug)/coverage")
            let secondDevice = try #require(browser.cookies["__Host-pp-\(f.slug)-device"])
            #expect(secondDevice != firstDevice)
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.device_tokens") == 1, "the presented token was used up, not left beside the new one")
        }
    }

    @Test func everyTextExistsInBothLanguagesAndEveryTemplateKeyIsDefined() throws {
        #expect(PortalText.french.count == PortalText.english.count)
        for (key, text) in PortalText.entries {
            #expect(!text.fr.isEmpty && !text.en.isEmpty, "\(key)")
        }
        let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("portal/templates")
        var used = Set<String>()
        for name in try FileManager.default.contentsOfDirectory(atPath: templates.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: #"\{\{\s*t\.([a-z0-9_]+)\s*\}\}"#)
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                used.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        #expect(!used.isEmpty)
        #expect(used.subtracting(PortalText.entries.keys).sorted() == [], "keys the templates use but the catalogue lacks")
    }

    /// One claim per form: the same form sent twice (same idempotency key) makes one claim with
    /// one receipt; the claims list pages by ten.
    @Test(.tags(.submitClaim, .addClaimAttachment, .listMyClaims, .getMyClaim)) func newClaimFormIsIdempotentAndTheListPages() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let c = try await ClaimsFixture.make(client, services, key: key)
            let browser = Browser(client)
            try await browser.logIn(c.member)
            let form = try await browser.get("/portal/\(c.slug)/claims/new")
            #expect(form.status == .ok)
            let html = String(buffer: form.body)
            #expect(html.contains(#"accept="image/*,application/pdf""#) && html.contains("capture=\"environment\""))
            let keyRange = try #require(html.range(of: #"name="idempotencyKey" value="[^"]+""#, options: .regularExpression))
            let idempotencyKey = String(html[keyRange].dropFirst(#"name="idempotencyKey" value=""#.count).dropLast())
            let fields = [
                "idempotencyKey": idempotencyKey, "category": "dental", "serviceDate": CalendarDate.today(), "providerName": "Clinique du Plateau",
                "amount": "85,50", "notes": "",
            ]
            let pdf = Array("%PDF-1.4\n%%EOF\n".utf8)
            let first = try await browser.postMultipart("/portal/\(c.slug)/claims/new", fields, file: ("receipt", "recu.pdf", pdf))
            #expect(first.status == .seeOther)
            let location = try #require(first.headers[.location])
            let again = try await browser.postMultipart("/portal/\(c.slug)/claims/new", fields, file: ("receipt", "recu.pdf", pdf))
            #expect(again.status == .seeOther && again.headers[.location] == location, "the second send shows the first claim")
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.claims") == 1)
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.claim_attachments") == 1)
            try #expect(await c.member.count(services, "SELECT amount_cents::int FROM $S.claims") == 8550)
            let detail = try await browser.get(location)
            #expect(detail.status == .ok && String(buffer: detail.body).contains("recu.pdf"))

            // A receipt that is not a PDF, JPEG or PNG: refused next to its field, nothing stored.
            let text = try await browser.postMultipart("/portal/\(c.slug)/claims/new", fields.merging(["idempotencyKey": "k2"]) { $1 },
                                                       file: ("receipt", "notes.txt", Array("hello".utf8)))
            #expect(text.status == .unprocessableContent)
            #expect(String(buffer: text.body).contains("id=\"receipt-error\""))
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.claims") == 1)

            for index in 0..<10 {
                _ = try await c.submit(client, ClaimsFixture.claimBody(provider: "Clinique \(index)"))
            }
            let page1 = try await browser.get("/portal/\(c.slug)/claims")
            let body1 = String(buffer: page1.body)
            #expect(body1.components(separatedBy: "class=\"claim-item\"").count - 1 == 10)
            let next = try #require(body1.range(of: #"href="[^"]+cursor=[^"]+" rel="next""#, options: .regularExpression))
            let href = String(body1[next].dropFirst(6).prefix { $0 != "\"" })
            let page2 = try await browser.get(href.replacingOccurrences(of: "&amp;", with: "&"))
            let body2 = String(buffer: page2.body)
            #expect(body2.components(separatedBy: "class=\"claim-item\"").count - 1 == 1)
            #expect(!body2.contains("rel=\"next\""))
            // Another member's claim is not found, as in the API.
            let other = Browser(client)
            let email = "luc.\(c.slug.split(separator: "-").last ?? "x")@\(MemberFixture.domain)"
            try await other.logIn(c.member, email: email)
            #expect(try await other.get(location).status == .notFound)
        }
    }

    /// The challenge appears on the login page once the limits demand it; a third-party provider's
    /// widget (and its origins in the CSP) only for plans that use it.
    @Test(.tags(.createSession, .getChallenge)) func challengeWidgetsFollowThePlansProvider() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, challenge: "pow")
            let browser = Browser(client)
            try await browser.get("/portal/\(f.slug)/login")
            var last: TestResponse?
            for _ in 0..<7 {
                last = try await browser.post("/portal/\(f.slug)/login", ["email": f.email, "password": "Wrong#Pass1"])
            }
            let page = try #require(last)
            #expect(page.status == .forbidden || page.status == .unprocessableContent || page.status == .tooManyRequests)
            #expect(String(buffer: page.body).contains("data-pow-url=\"/v1/plans/\(f.slug)/challenge\""), "the login form now holds the challenge")
            try #expect(await f.count(services, "SELECT count(*)::int FROM $S.audit_events WHERE action = 'login.failure'") >= 5)

            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["challenge": [
                "provider": "turnstile", "siteKey": "site-key-1", "secret": "secret-1",
            ]])) { #expect($0.status == .ok) }
            let register = Browser(client)
            try await register.get("/portal/\(f.slug)/register")
            try await register.post("/portal/\(f.slug)/register", ["email": f.email, "emailConfirmation": f.email])
            let identity = try await register.get("/portal/\(f.slug)/register/identity")
            let html = String(buffer: identity.body)
            #expect(html.contains(#"<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>"#))
            #expect(html.contains(#"class="cf-turnstile" data-sitekey="site-key-1""#))
            let policy = try #require(identity.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self' https://challenges.cloudflare.com;"))
            #expect(policy.contains("frame-src https://challenges.cloudflare.com;"))
            // Pages without the challenge keep the strict policy.
            let step1 = try await register.get("/portal/\(f.slug)/register")
            #expect(try #require(step1.headers[.contentSecurityPolicy]).contains("script-src 'self';"))
            #expect(!String(buffer: step1.body).contains("cloudflare"))
        }
    }
}

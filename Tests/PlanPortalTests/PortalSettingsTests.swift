import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import PlanPortal

/// Issue #12: the member's own settings in the portal go through `AccountOperations`, as the JSON
/// API's do (same refusals, same audit trail, same sessions ended); the plan's branding shows on
/// the pages from this origin; CORS leaves the portal's own forms alone.
@Suite struct PortalSettingsTests {
    typealias Browser = PortalTests.Browser

    static func actions(_ services: AppServices, _ f: MemberFixture, after id: Int, like pattern: String) async throws -> [String] {
        try await PortalTests.actions(services, f, after: id).filter { $0.hasPrefix(pattern) }
    }

    /// A wrong current password then a right one, through the pages and through the JSON API:
    /// the same audit actions; the pages' change ends the member's other (API) session and keeps its own.
    @Test(.tags(.updateMe, .changePassword, .putSecurityQuestion)) func settingsPagesShareTheAccountOperations() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            try await f.activate(client, services)
            let apiToken = try #require(try await f.login(client).object()["accessToken"] as? String)
            let browser = Browser(client)
            try await browser.logIn(f)
            // A browser sends its own origin with every form post: CORS must not get in the way.
            browser.origin = "http://127.0.0.1:8080"
            let base = "/portal/\(f.slug)"

            // Language: the member's locale (their e-mails), and the pages follow it.
            let profile = try await browser.get("\(base)/profile")
            #expect(profile.status == .ok)
            #expect(String(buffer: profile.body).contains(#"id="locale-fr" name="locale" value="fr" checked"#))
            let saved = try await browser.post("\(base)/profile/language", ["locale": "en"])
            #expect(saved.status == .seeOther && saved.headers[.location] == "\(base)/profile?m=language")
            #expect(saved.headers[.accessControlAllowOrigin] == nil)
            let english = try await browser.get("\(base)/profile?m=language")
            let englishPage = String(buffer: english.body)
            #expect(englishPage.contains("<html lang=\"en\">") && englishPage.contains(PortalText.text("language_saved", .en)))
            #expect(englishPage.contains(#"id="locale-en" name="locale" value="en" checked"#))
            #expect(try await services.postgres.query(
                PostgresQuery(unsafeSQL: "SELECT locale::text FROM \(f.plan.quotedSchema).accounts WHERE email = '\(f.email)'")
            ).decode(String.self).one() == "en")
            let forged = try await browser.post("\(base)/profile/language", ["locale": "fr"], csrf: false)
            #expect(forged.status == .forbidden, "no settings change without the form's CSRF token")

            // Password: through the pages...
            var mark = try await PortalTests.lastAuditID(services, f)
            #expect(try await browser.get("\(base)/profile/password").status == .ok)
            let wrong = try await browser.post("\(base)/profile/password", [
                "currentPassword": "Pas#Le-Bon-42", "password": "Hiver#Sud-2027", "passwordConfirmation": "Hiver#Sud-2027",
            ])
            #expect(wrong.status == .unprocessableContent)
            let wrongPage = String(buffer: wrong.body)
            #expect(wrongPage.contains(##"href="#currentPassword""##) && wrongPage.contains("currentPassword-error"))
            #expect(wrongPage.contains(Problem.currentPasswordIncorrect.errors[0].message.en))
            let mismatch = try await browser.post("\(base)/profile/password", [
                "currentPassword": "Soleil#Nord42", "password": "Hiver#Sud-2027", "passwordConfirmation": "Hiver#Sud-2028",
            ])
            #expect(mismatch.status == .unprocessableContent)
            #expect(String(buffer: mismatch.body).contains("passwordConfirmation-error"))
            let changed = try await browser.post("\(base)/profile/password", [
                "currentPassword": "Soleil#Nord42", "password": "Hiver#Sud-2027", "passwordConfirmation": "Hiver#Sud-2027",
            ])
            #expect(changed.status == .seeOther && changed.headers[.location] == "\(base)/profile?m=password")
            let portalTrail = try await Self.actions(services, f, after: mark, like: "password.")
            #expect(portalTrail == ["password.change_failed", "password.changed"])
            #expect(try await browser.get("\(base)/profile").status == .ok, "the session that made the change goes on")
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: [.authorization: "Bearer \(apiToken)"]) {
                #expect($0.status == .unauthorized, "every other session ended")
            }
            #expect(try await f.count(services, "SELECT count(*)::int FROM control.outbox WHERE plan_slug = '\(f.slug)' AND kind = 'password_changed'") == 1)

            // ...and the same through the JSON API: the same trail.
            mark = try await PortalTests.lastAuditID(services, f)
            let token = try #require(try await f.login(client, password: "Hiver#Sud-2027").object()["accessToken"] as? String)
            let bearer: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            try await client.execute(uri: "\(f.base)/me/password", method: .post, headers: bearer, body: .json([
                "currentPassword": "Pas#Le-Bon-42", "newPassword": "Soleil#Nord42", "newPasswordConfirmation": "Soleil#Nord42",
            ])) { #expect($0.status == .unprocessableContent) }
            try await client.execute(uri: "\(f.base)/me/password", method: .post, headers: bearer, body: .json([
                "currentPassword": "Hiver#Sud-2027", "newPassword": "Soleil#Nord42", "newPasswordConfirmation": "Soleil#Nord42",
            ])) { #expect($0.status == .noContent) }
            #expect(try await Self.actions(services, f, after: mark, like: "password.") == portalTrail)
            let ended = try await browser.get("\(base)/profile")
            #expect(ended.status == .seeOther && ended.headers[.location] == "\(base)/login?m=expired", "the API's change ended the portal's session")

            // Security question: the current password first, then a question of the plan's list.
            try await browser.logIn(f)
            mark = try await PortalTests.lastAuditID(services, f)
            let form = try await browser.get("\(base)/profile/security-question")
            #expect(String(buffer: form.body).contains("value=\"\(SecurityQuestion.defaults[1].id)\""))
            let refused = try await browser.post("\(base)/profile/security-question", [
                "currentPassword": "Pas#Le-Bon-42", "securityQuestionId": SecurityQuestion.defaults[1].id, "securityAnswer": "Gatineau",
            ])
            #expect(refused.status == .unprocessableContent)
            #expect(String(buffer: refused.body).contains("currentPassword-error"))
            let unknown = try await browser.post("\(base)/profile/security-question", [
                "currentPassword": "Soleil#Nord42", "securityQuestionId": "no-such-question", "securityAnswer": "Gatineau",
            ])
            #expect(unknown.status == .unprocessableContent)
            #expect(String(buffer: unknown.body).contains("securityQuestionId-error"))
            let put = try await browser.post("\(base)/profile/security-question", [
                "currentPassword": "Soleil#Nord42", "securityQuestionId": SecurityQuestion.defaults[1].id, "securityAnswer": "Gatineau",
            ])
            #expect(put.status == .seeOther && put.headers[.location] == "\(base)/profile?m=question")
            #expect(try await Self.actions(services, f, after: mark, like: "security_question.") == [
                "security_question.change_failed", "security_question.changed",
            ])
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.accounts WHERE security_question_id = '\(SecurityQuestion.defaults[1].id)'") == 1)
        }
    }

    /// The plan's colour (a stylesheet of this origin) and logo (`getPlanLogo`) on every page,
    /// only once set; the CSP stays `'self'`; a preflight to a portal path grants nothing.
    @Test(.tags(.getPlanLogo, .updatePlan, .putPlanLogo)) func brandingShowsOnThePortalFromItsOwnOrigin() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let base = "/portal/\(f.slug)"
            let plain = String(buffer: try await client.execute(uri: "\(base)/login", method: .get).body)
            #expect(!plain.contains("brand.css") && !plain.contains("plan-logo"), "nothing of a brand the plan does not have")
            #expect(String(buffer: try await client.execute(uri: "\(base)/brand.css", method: .get).body) == "")

            try await client.execute(
                uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["branding": ["primaryColor": "#1A4F8B"]])
            ) { #expect($0.status == .ok) }
            let png = LogoSamples.png(width: 240, height: 80)
            try await client.execute(
                uri: "/v1/admin/plans/\(f.slug)/branding/logo", method: .put, headers: [.authorization: "Bearer \(key)", .contentType: "image/png"],
                body: ByteBuffer(bytes: png)
            ) { #expect($0.status == .ok) }

            let login = try await client.execute(uri: "\(base)/login", method: .get)
            let page = String(buffer: login.body)
            #expect(page.contains(#"<link rel="stylesheet" href="\#(base)/brand.css?v=1a4f8b">"#))
            let logo = try #require(page.range(of: #"<img class="plan-logo" src="/v1/plans/[^"]+" width="240" height="80" alt="">"#, options: .regularExpression))
            #expect(!page.contains("style="))
            let policy = try #require(login.headers[.contentSecurityPolicy])
            #expect(policy.contains("img-src 'self'") && policy.contains("style-src 'self';"))

            let css = try await client.execute(uri: "\(base)/brand.css?v=1a4f8b", method: .get)
            #expect(css.status == .ok && css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(String(buffer: css.body) == ":root { --brand: #1a4f8b; }\n")
            #expect(css.headers[.cacheControl] == "public, max-age=86400")
            let src = String(page[logo]).split(separator: "\"")[3]
            let image = try await client.execute(uri: String(src), method: .get)
            #expect(image.status == .ok && Array(image.body.readableBytesView) == png)

            // CORS is the JSON API's: a preflight to a portal form grants no origin.
            let preflight = try await client.execute(
                uri: "\(base)/login", method: .options,
                headers: [.origin: "https://portail.example.ca", .accessControlRequestMethod: "POST"]
            )
            #expect(preflight.headers[.accessControlAllowOrigin] == nil)
        }
    }
}

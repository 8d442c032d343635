import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import PlanPortal

/// Issue #14 in the member portal: the family on the profile and coverage pages, the patient of a
/// claim, the enrolment request with its proof. (In a real browser, with axe: Tests/Browser/test_family.py.)
extension PortalTests {
    static func text(_ services: AppServices, _ f: MemberFixture, _ sql: String) async throws -> String? {
        let rows = try await services.postgres.query(PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "$S", with: f.plan.quotedSchema)))
        for try await value in rows.decode(String.self) { return value }
        return nil
    }

    @Test(.tags(.getMyCoverage, .submitClaim, .listMyClaims, .getMyClaim, .listMyDependantRequests))
    func familyPagesShowTheDependantsAndClaimsNameTheirPatient() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let c = try await ClaimsFixture.make(client, services, key: key)
            let a = c.member.certificate
            // Marc is covered; Léa's coverage ended in 2021.
            let csv = """
                \(DependantsTests.header)
                \(a),\(a)-01,spouse,Côté,Marc,1996-02-11,2020-01-01,
                \(a),\(a)-02,child,Côté,Léa,2019-05-30,2020-01-01,2021-12-31
                """
            #expect(try await DependantsTests.putDependants(client, c, csv).status == .ok)
            let browser = Browser(client)
            try await browser.logIn(c.member)

            let profile = String(buffer: try await browser.get("/portal/\(c.slug)/profile").body)
            #expect(profile.contains("<h3>Marc Côté</h3>") && profile.contains("<h3>Léa Côté</h3>"))
            #expect(profile.contains("Conjoint ou conjointe") && profile.contains("2020-01-01 au 2021-12-31"))
            #expect(profile.contains("Non couverte aujourd") && profile.contains("/profile/dependants/new"))
            #expect(!profile.contains("1996-02-11"), "the profile lists the family without dates of birth")

            let coverage = String(buffer: try await browser.get("/portal/\(c.slug)/coverage").body)
            #expect(coverage.contains("id=\"person-\(a)01\"") && coverage.contains("id=\"person-\(a)02\""))
            #expect(coverage.components(separatedBy: "<table class=\"usage\">").count - 1 == 2)
            #expect(coverage.contains("<th scope=\"row\">Soins dentaires</th>"))

            // The claim form offers the family; a claim for Marc names him in the list and the detail.
            let form = String(buffer: try await browser.get("/portal/\(c.slug)/claims/new").body)
            #expect(form.contains("<select id=\"patient\" name=\"patient\""))
            #expect(form.contains("value=\"self\" selected") && form.contains("value=\"\(a)01\"") && form.contains("value=\"\(a)02\""))
            let pdf = Array("%PDF-1.4\n%%EOF\n".utf8)
            var fields = [
                "idempotencyKey": SecretToken.generate(), "category": "dental", "serviceDate": CalendarDate.today(),
                "providerName": "Clinique du Plateau", "amount": "85,50", "notes": "", "patient": "\(a)01",
            ]
            let sent = try await browser.postMultipart("/portal/\(c.slug)/claims/new", fields, file: ("receipt", "recu.pdf", pdf))
            #expect(sent.status == .seeOther)
            try #expect(await Self.text(services, c.member, "SELECT patient FROM $S.claims") == "\(a)01")
            let detail = String(buffer: try await browser.get(try #require(sent.headers[.location])).body)
            #expect(detail.contains("<dt>Personne soignée</dt><dd>Marc Côté</dd>"))
            let list = String(buffer: try await browser.get("/portal/\(c.slug)/claims").body)
            #expect(list.contains("<dd>Marc Côté</dd>"))

            // Léa is not covered today: refused next to the patient field, in the page's language, nothing written.
            fields["idempotencyKey"] = SecretToken.generate()
            fields["patient"] = "\(a)02"
            let refused = try await browser.postMultipart("/portal/\(c.slug)/claims/new", fields, file: ("receipt", "recu.pdf", pdf))
            #expect(refused.status == .unprocessableContent)
            let page = String(buffer: refused.body)
            #expect(page.contains("id=\"patient-error\"") && page.contains("Personne non couverte à cette date."))
            #expect(page.contains("aria-describedby=\"patient-hint patient-error\" aria-invalid=\"true\""))
            #expect(page.contains("value=\"\(a)02\" selected"), "the chosen patient stays chosen")
            browser.cookies[PortalCookie.language] = "en"
            fields["idempotencyKey"] = SecretToken.generate()
            let english = try await browser.postMultipart("/portal/\(c.slug)/claims/new", fields, file: ("receipt", "recu.pdf", pdf))
            #expect(english.status == .unprocessableContent && String(buffer: english.body).contains("Person not covered on this date."))
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.claims") == 1)
        }
    }

    @Test(.tags(.submitDependantRequest, .addDependantRequestDocument, .listMyDependantRequests))
    func enrolmentRequestFormTakesItsProofAndFlagsLateRequests() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let c = try await ClaimsFixture.make(client, services, key: key)
            let browser = Browser(client)
            try await browser.logIn(c.member)
            let profile = String(buffer: try await browser.get("/portal/\(c.slug)/profile").body)
            #expect(profile.contains("Aucune personne à charge"))
            let form = try await browser.get("/portal/\(c.slug)/profile/dependants/new")
            #expect(form.status == .ok)
            let html = String(buffer: form.body)
            #expect(html.contains("name=\"proof\"") && html.contains("enctype=\"multipart/form-data\"") && html.contains(" 30 "))
            let pdf = Array("%PDF-1.4\n%%EOF\n".utf8)
            let late = Date().addingTimeInterval(-60 * 86_400).portalDay
            let fields = ["relationship": "child", "lastName": "Côté", "firstName": "Noé", "dateOfBirth": "2026-01-02", "eventDate": late]

            // Every broken rule at once (the portal's and the operation's), nothing written.
            var broken = fields
            broken["relationship"] = "cousin"
            broken["eventDate"] = "2999-01-01"
            let refused = try await browser.postMultipart("/portal/\(c.slug)/profile/dependants/new", broken, file: ("proof", "notes.txt", Array("hello".utf8)))
            #expect(refused.status == .unprocessableContent)
            let page = String(buffer: refused.body)
            #expect(page.contains("id=\"relationship-error\"") && page.contains("id=\"proof-error\"") && page.contains("id=\"eventDate-error\""))
            #expect(page.contains("value=\"Noé\""), "the values stay in the form")
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.dependant_requests") == 0)

            // Without its CSRF token: refused before anything runs.
            let token = browser.csrf
            browser.csrf = nil
            let forged = try await browser.postMultipart("/portal/\(c.slug)/profile/dependants/new", fields, file: ("proof", "acte.pdf", pdf))
            #expect(forged.status == .forbidden)
            browser.csrf = token
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.dependant_requests") == 0)

            // Sixty days after the event: accepted, flagged late, its proof stored, the profile says so.
            let before = try await Self.lastAuditID(services, c.member)
            let sent = try await browser.postMultipart("/portal/\(c.slug)/profile/dependants/new", fields, file: ("proof", "acte.pdf", pdf))
            #expect(sent.status == .seeOther && sent.headers[.location] == "/portal/\(c.slug)/profile?m=enrolment_late")
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.dependant_requests WHERE late") == 1)
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.dependant_request_documents") == 1)
            try #expect(await Self.actions(services, c.member, after: before) == ["dependant_request.submitted", "dependant_request.document_added"])
            let shown = String(buffer: try await browser.get(try #require(sent.headers[.location])).body)
            #expect(shown.contains("Elle arrive après le délai d") && shown.contains("<dt>Après le délai</dt>"))
            #expect(shown.contains("download>acte.pdf</a></li>") && shown.contains("En attente de décision"))
            // The proof is a link to its download: the same bytes, as an attachment, sandboxed.
            let documentID = try #require(try await Self.text(services, c.member, "SELECT id::text FROM $S.dependant_request_documents"))
            let requestID = try #require(try await Self.text(services, c.member, "SELECT id::text FROM $S.dependant_requests WHERE late"))
            let href = "/portal/\(c.slug)/profile/dependants/requests/\(requestID)/documents/\(documentID)"
            #expect(shown.contains("<a href=\"\(href)\" download>acte.pdf</a>"))
            let downloaded = try await browser.get(href)
            #expect(downloaded.status == .ok)
            #expect(Array(buffer: downloaded.body) == pdf)
            #expect(downloaded.headers[.contentDisposition] == "attachment; filename=\"acte.pdf\"")
            #expect(downloaded.headers[.contentType] == "application/pdf")
            #expect(downloaded.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(try await browser.get("/portal/\(c.slug)/profile/dependants/requests/\(requestID)/documents/\(UUID())").status == .notFound)

            // On time: not late. Another document from the profile; a text file is refused next to its field.
            var onTime = fields
            onTime["eventDate"] = CalendarDate.today()
            onTime["firstName"] = "Lou"
            let second = try await browser.postMultipart("/portal/\(c.slug)/profile/dependants/new", onTime, file: ("proof", "acte2.pdf", pdf))
            #expect(second.headers[.location] == "/portal/\(c.slug)/profile?m=enrolment")
            let id = try #require(try await Self.text(services, c.member, "SELECT id::text FROM $S.dependant_requests WHERE late"))
            let added = try await browser.postMultipart("/portal/\(c.slug)/profile/dependants/requests/\(id)/documents", [:], file: ("document", "livret.pdf", pdf))
            #expect(added.status == .seeOther && added.headers[.location] == "/portal/\(c.slug)/profile?m=document")
            let text = try await browser.postMultipart("/portal/\(c.slug)/profile/dependants/requests/\(id)/documents", [:], file: ("document", "a.txt", Array("hi".utf8)))
            #expect(text.status == .unprocessableContent)
            #expect(String(buffer: text.body).contains("id=\"document-\(id)-error\""))
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.dependant_request_documents") == 3)
            // Another member's request is not found, as in the API.
            let other = Browser(client)
            try await other.logIn(c.member, email: "luc.\(c.slug.split(separator: "-").last ?? "x")@\(MemberFixture.domain)")
            _ = try await other.get("/portal/\(c.slug)/profile")
            let theirs = try await other.postMultipart("/portal/\(c.slug)/profile/dependants/requests/\(id)/documents", [:], file: ("document", "x.pdf", pdf))
            #expect(theirs.status == .notFound)
            // Nor can they download its proof.
            #expect(try await other.get(href).status == .notFound)
            try #expect(await c.member.count(services, "SELECT count(*)::int FROM $S.dependant_request_documents") == 3)
        }
    }
}

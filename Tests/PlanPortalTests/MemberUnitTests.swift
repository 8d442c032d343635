import Foundation
import Testing

@testable import PlanPortal

@Suite struct PasswordPolicyTests {
    let policy = PasswordPolicy.default

    @Test func seedRuleAndExtras() {
        #expect(policy.violations("Soleil#Nord42", email: "jeanne@umontreal.ca").isEmpty)
        #expect(policy.violations("Ab#", email: nil).map(\.id) == ["min_length"])
        #expect(Set(policy.violations("12345678", email: nil).map(\.id)) == ["uppercase", "lowercase", "special", "min_letters", "common_password"])
        #expect(policy.violations("a1#Bcdefgh", email: nil).isEmpty)
        #expect(policy.violations("A1#b5678", email: nil).map(\.id) == [], "two letters is enough")
        #expect(policy.violations("A1#45678", email: nil).map(\.id) == ["lowercase", "min_letters"])
        #expect(policy.violations(String(repeating: "Ab#", count: 43), email: nil).map(\.id) == ["max_length"])
        #expect(policy.violations("Jeanne.T#1", email: "jeanne.t#1@umontreal.ca").map(\.id) == ["email_local_part"])
    }

    @Test func blockListIsCaseInsensitiveAndHasFrenchAdditions() {
        #expect(CommonPasswords.shared.count > 19_000)
        #expect(CommonPasswords.shared.contains("PASSWORD"))
        #expect(CommonPasswords.shared.contains("MotDePasse"))
        #expect(CommonPasswords.shared.contains("Montreal1"))
        #expect(!CommonPasswords.shared.contains("Soleil#Nord42"))
    }
}

@Suite struct MailTests {
    @Test func rendersMultipartWithBase64Parts() throws {
        let message = MailMessage(to: "a@example.ca", subject: "Activez votre compte", text: "Lien : https://x/activation?token=abc", html: "<p>é</p>")
        let raw = message.rendered(from: "PlanPortal <no-reply@example.ca>", messageID: "id-1")
        #expect(raw.contains("Subject: Activez votre compte\r\n"))
        #expect(raw.contains("Message-ID: <id-1@example.ca>"))
        #expect(raw.contains("Content-Type: multipart/alternative;"))
        try #expect(MailCapture.plainText(raw) == "Lien : https://x/activation?token=abc")
        #expect(MailMessage.encodedWord("Réinitialisation") == "=?UTF-8?B?UsOpaW5pdGlhbGlzYXRpb24=?=")
    }

    @Test func parsesSMTPURLs() throws {
        let plain = try SMTPConfiguration(url: "smtp://127.0.0.1:2525")
        #expect(plain.host == "127.0.0.1" && plain.port == 2525 && !plain.implicitTLS && plain.username == nil)
        let auth = try SMTPConfiguration(url: "smtp://user%40x:p%3Ass@mail.example.ca:587")
        #expect(auth.username == "user@x" && auth.password == "p:ss" && auth.port == 587)
        try #expect(SMTPConfiguration(url: "smtps://mail.example.ca").port == 465)
        #expect(plain.tlsServerName == nil && auth.tlsServerName == "mail.example.ca")
        let v6 = try SMTPConfiguration(url: "smtps://[2001:db8::25]:465")
        #expect(v6.host == "2001:db8::25" && v6.tlsServerName == nil, "an IPv6 address is resolved and checked bare")
        #expect(throws: ConfigError.self) { try SMTPConfiguration(url: "http://x") }
    }

    @Test func templatesCarryTheSeedFacts() {
        let plan = Plan(
            slug: PlanSlug("ramu-udem")!, schema: "plan_ramu_udem", nameFr: "RAMU UdeM", nameEn: "UHIP UdeM", emailDomains: ["umontreal.ca"],
            portalUrl: "https://p.example.ca", support: SupportContact(phone: "1-888-509-7797", email: "clients@example.ca", hoursFr: "8 h à 17 h", hoursEn: "8 a.m. to 5 p.m."),
            defaultLocale: .fr, createdAt: Date(), updatedAt: Date()
        )
        let fr = MailTemplates.activation(plan: plan, language: .fr, to: "a@umontreal.ca", link: "https://p.example.ca/activation?token=T")
        #expect(fr.subject.contains("RAMU UdeM"))
        #expect(fr.text.contains("24 heures") && fr.text.contains("60 minutes") && fr.text.contains("1-888-509-7797") && fr.text.contains("clients@example.ca"))
        #expect(fr.html.contains("href=\"https://p.example.ca/activation?token=T\""))
        let en = MailTemplates.activation(plan: plan, language: .en, to: "a@umontreal.ca", link: "L")
        #expect(en.text.contains("24 hours") && en.text.contains("UHIP UdeM"))
        #expect(ActivationStatus(expiresAt: Date(), email: "jeanne@umontreal.ca").emailHint == "j•••@umontreal.ca")
    }

    /// The claim and enrolment-request notices (one builder): subject with the plan's name and the
    /// short reference, the TPA's reason, the portal link and the support line, in each language;
    /// never a date of birth or a certificate number.
    @Test func noticesNameTheRecordAndSendToThePortal() throws {
        let plan = Plan(
            slug: PlanSlug("ramu-udem")!, schema: "plan_ramu_udem", nameFr: "RAMU UdeM", nameEn: "UHIP UdeM", emailDomains: ["umontreal.ca"],
            portalUrl: "https://p.example.ca", support: SupportContact(phone: "1-888-509-7797", email: nil, hoursFr: nil, hoursEn: nil),
            defaultLocale: .fr, createdAt: Date(), updatedAt: Date()
        )
        let id = UUID(uuidString: "0A1B2C3D-0000-4000-8000-000000000000")!
        let claim = ClaimSummary(
            id: id, status: .partiallyApproved, category: "dental", serviceDate: "2026-09-01", providerName: "Clinique Nord", amountCents: 12000,
            currency: "CAD", approvedAmountCents: 9050, submittedAt: Date(), updatedAt: Date(), patient: "self"
        )
        let fr = MailTemplates.claimStatusChanged(plan: plan, language: .fr, to: "a@umontreal.ca", claim: claim, reason: "Plafond atteint")
        #expect(fr.subject == "RAMU UdeM : votre réclamation 0a1b2c3d a été approuvée en partie")
        #expect(fr.text.hasPrefix("Bonjour,\n\nVotre réclamation 0a1b2c3d (Clinique Nord, 2026-09-01, 120,00 $) a été approuvée en partie : 90,50 $ vous seront remboursés sur 120,00 $.\n\nMotif : Plafond atteint\n\nConsultez le détail"))
        #expect(fr.text.contains("https://p.example.ca") && fr.text.contains("1-888-509-7797"))
        #expect(fr.html.contains("Ouvrir le portail"))
        let en = MailTemplates.claimStatusChanged(plan: plan, language: .en, to: "a@umontreal.ca", claim: claim, reason: nil)
        #expect(en.subject == "UHIP UdeM: your claim 0a1b2c3d was partially approved")
        #expect(!en.text.contains("Reason") && en.text.contains("$90.50 of $120.00") && en.html.contains("Open the portal"))

        var request = DependantRequest(
            id: id, status: .submitted, late: true, relationship: .child, lastName: "Côté", firstName: "Noé", dateOfBirth: "2026-08-30",
            eventDate: "2026-08-30", reason: nil, dependantId: nil, documents: [], createdAt: Date(), decidedAt: nil, certificateNumber: "C123"
        )
        let received = MailTemplates.dependantRequest(plan: plan, language: .fr, to: "a@umontreal.ca", request: request)
        #expect(received.subject == "RAMU UdeM : demande d'adhésion reçue (0a1b2c3d)")
        #expect(received.text.contains("pour Noé Côté a bien été reçue") && received.text.contains("frais de retard"))
        #expect(received.text.contains("joindre des pièces justificatives"))
        #expect(!received.text.contains("2026-08-30") && !received.text.contains("C123"))
        request.status = .approved
        request.dependantId = "02"
        request.reason = nil
        let approved = MailTemplates.dependantRequest(plan: plan, language: .en, to: "a@umontreal.ca", request: request)
        #expect(approved.subject == "UHIP UdeM: enrolment request approved (0a1b2c3d)")
        #expect(approved.text.contains("for Noé Côté was approved (dependant number: 02).") && !approved.text.contains("late fee"))
        #expect(approved.text.contains("See the details in the member portal:"))
        request.status = .denied
        request.reason = "Pièce manquante"
        let denied = MailTemplates.dependantRequest(plan: plan, language: .fr, to: "a@umontreal.ca", request: request)
        #expect(denied.text.contains("a été refusée") && denied.text.contains("Motif : Pièce manquante"))
    }
}

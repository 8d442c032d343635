"""(a) and (b): the whole journey of a new roster member, in French at desktop size and in English
on a phone-sized screen, with axe on every screen (e) and a screenshot of each step."""
import re

import pytest
from playwright.sync_api import expect

from conftest import Plan, Steps, wait_for_link

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

TEXT = {
    "fr": {
        "register": "Inscrivez-vous maintenant", "next": "Étape suivante", "email": "Adresse courriel institutionnelle",
        "confirm": "Confirmation de l'adresse courriel", "last": "Nom de famille", "first": "Prénom",
        "dob": "Date de naissance", "cert": "Numéro de certificat", "sent": "Vérifiez vos courriels",
        "password": "Mot de passe", "password2": "Confirmez le mot de passe", "question": "Choisir une question",
        "answer": "Réponse", "activated": "Votre compte est activé", "login": "Ouvrir une session",
        "login_email": "Courriel institutionnel", "submit": "Soumettre", "accept": "J'ai lu et j'accepte les conditions d'utilisation",
        "coverage": "Ma couverture", "remaining": "Restant", "dental": "Soins dentaires", "new_claim": "Soumettre une demande",
        "type": "Type de soin", "service_date": "Date du service", "provider": "Nom du fournisseur",
        "amount": "Montant payé (CAD)", "receipt": "Reçu", "send_claim": "Soumettre la demande",
        "submitted": "Votre demande a été soumise.", "claims": "Mes demandes de règlement", "logout": "Fermer la session",
        "bye": "Votre session est fermée.", "money": "85,50", "status": "Soumise", "profile": "Mon profil",
    },
    "en": {
        "register": "Register now", "next": "Next step", "email": "Institutional e-mail address",
        "confirm": "Confirm the e-mail address", "last": "Last name", "first": "First name",
        "dob": "Date of birth", "cert": "Certificate number", "sent": "Check your e-mail",
        "password": "Password", "password2": "Confirm the password", "question": "Choose a question",
        "answer": "Answer", "activated": "Your account is active", "login": "Log in",
        "login_email": "Institutional e-mail", "submit": "Submit", "accept": "I have read and I accept the terms of use",
        "coverage": "My coverage", "remaining": "Remaining", "dental": "Dental care", "new_claim": "Submit a claim",
        "type": "Type of care", "service_date": "Service date", "provider": "Provider's name",
        "amount": "Amount paid (CAD)", "receipt": "Receipt", "send_claim": "Submit the claim",
        "submitted": "Your claim was submitted.", "claims": "My claims", "logout": "Log out",
        "bye": "You are logged out.", "money": "85.50", "status": "Submitted", "profile": "My profile",
    },
}


def journey(browser, language, viewport, member_index):
    plan = Plan(default_locale="fr")
    member = plan.members[member_index]
    t = TEXT[language]
    context = browser.new_context(locale="en-US", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(20000)
    step = Steps(f"{language}-{viewport['width']}")
    try:
        page.goto(plan.url("/"))
        expect(page).to_have_url(re.compile(r"/login$"))
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        if language == "en":
            page.get_by_role("link", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        step(page, "login")

        # Registration, step 1: the institutional e-mail twice.
        page.get_by_role("link", name=t["register"]).first.click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_text(f"@{plan.domain}")).to_be_visible()
        page.get_by_label(t["email"]).fill(member["email"])
        page.get_by_label(t["confirm"]).fill(member["email"].upper())
        step(page, "register-email")
        page.get_by_role("button", name=t["next"]).click()

        # Step 2: identity and the proof of work, solved in the page by our worker.
        expect(page).to_have_url(re.compile(r"/register/identity$"))
        page.get_by_label(t["last"]).fill(member["last"].upper())
        page.get_by_label(t["first"]).fill(member["first"])
        page.get_by_label(t["dob"]).fill(member["dob"])
        page.get_by_label(t["cert"]).fill(member["certificate"].lower())
        expect(page.locator(".pow[data-solved=true]")).to_be_attached(timeout=60000)
        step(page, "register-identity")
        page.get_by_role("button", name=t["next"]).click()
        expect(page.get_by_role("heading", level=1, name=t["sent"])).to_be_visible()
        step(page, "check-email")

        # The activation e-mail, as the SMTP peer received it: its link opens the portal, and the
        # token leaves the address bar at once.
        link = wait_for_link(member["email"])
        assert link.startswith(plan.url("/activation?token="))
        page.goto(link)
        expect(page).to_have_url(plan.url("/activation"))
        assert "token" not in page.url
        page.get_by_label(t["dob"]).fill(member["dob"])
        page.get_by_label(t["cert"]).fill(member["certificate"])
        page.get_by_label(t["password"], exact=True).fill("Bleuet-Soleil-42")
        expect(page.locator("li[data-rule=uppercase].met")).to_be_attached()
        page.get_by_label(t["password2"]).fill("Bleuet-Soleil-42")
        page.get_by_label(t["question"]).select_option(index=1)
        page.get_by_label(t["answer"]).fill("Rimouski")
        step(page, "activation")
        page.get_by_role("button", name=t["next"]).click()
        expect(page.get_by_role("heading", level=1, name=t["activated"])).to_be_visible()
        step(page, "activated")

        # Log in: the terms must be accepted first.
        page.get_by_role("main").get_by_role("link", name=t["login"]).click()
        page.get_by_label(t["login_email"]).fill(member["email"])
        page.get_by_label(t["password"], exact=True).fill("Bleuet-Soleil-42")
        page.get_by_role("button", name=t["submit"]).click()
        expect(page.get_by_label(t["accept"])).to_be_visible()
        step(page, "terms")
        page.get_by_label(t["accept"]).check()
        page.get_by_label(t["password"], exact=True).fill("Bleuet-Soleil-42")
        page.get_by_role("button", name=t["submit"]).click()

        # Coverage: each category with what is used and what is left.
        expect(page.get_by_role("heading", level=1, name=t["coverage"])).to_be_visible()
        expect(page.get_by_role("heading", name=t["dental"])).to_be_visible()
        expect(page.get_by_text(t["remaining"]).first).to_be_visible()
        assert page.locator("meter").count() == 3
        cookies = {c["name"]: c for c in context.cookies()}
        session = cookies[f"__Host-pp-{plan.slug}"]
        assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Lax" and session["path"] == "/"
        assert session["value"] not in page.content()
        step(page, "coverage")

        page.get_by_role("link", name=t["profile"]).click()
        expect(page.get_by_text(member["certificate"])).to_be_visible()
        step(page, "profile")

        # A claim with a PDF receipt.
        page.get_by_role("link", name=t["claims"]).first.click()
        step(page, "claims-empty")
        page.get_by_role("main").get_by_role("link", name=t["new_claim"]).click()
        page.get_by_label(t["type"]).select_option("dental")
        page.get_by_label(t["service_date"]).fill("2026-09-15")
        page.get_by_label(t["provider"]).fill("Clinique dentaire du Plateau")
        page.get_by_label(t["amount"]).fill(t["money"])
        page.get_by_label(t["receipt"], exact=True).set_input_files(
            files=[{"name": "recu.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        step(page, "claim-new")
        page.get_by_role("button", name=t["send_claim"]).click()
        expect(page.get_by_role("status")).to_contain_text(t["submitted"])
        expect(page.get_by_role("link", name="recu.pdf")).to_be_visible()
        step(page, "claim")

        page.get_by_role("navigation").get_by_role("link", name=t["claims"]).click()
        item = page.locator(".claim-item").filter(has_text="Clinique dentaire du Plateau")
        expect(item).to_have_count(1)
        expect(item).to_contain_text(t["status"])
        step(page, "claims")

        # Log out: the session cookie is gone and the member pages send back to the login page.
        page.get_by_role("button", name=t["logout"]).click()
        expect(page.get_by_role("status")).to_contain_text(t["bye"])
        step(page, "logged-out")
        assert f"__Host-pp-{plan.slug}" not in {c["name"] for c in context.cookies()}
        page.goto(plan.url("/coverage"))
        expect(page).to_have_url(re.compile(r"/login$"))
        return step.checked
    finally:
        context.close()


def test_journey_in_french(browser):
    checked = journey(browser, "fr", {"width": 1280, "height": 900}, 0)
    assert len(checked) >= 14


def test_journey_in_english_on_a_phone(browser):
    checked = journey(browser, "en", {"width": 390, "height": 844}, 1)
    assert len(checked) >= 14

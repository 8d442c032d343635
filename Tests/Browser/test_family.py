"""Issue #14 in the member portal: the family on the coverage and profile pages, a claim for a
dependant (chosen on the form, named in the list), a claim for a person not covered refused in the
page's language, the enrolment request with its proof (late flag), axe on each screen, in French
and in English."""
import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from conftest import Plan, Steps, activate_through_api, api

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "Bleuet-Soleil-42"

TEXT = {
    "fr": {
        "email": "Courriel institutionnel", "password": "Mot de passe", "submit": "Soumettre",
        "accept": "J'ai lu et j'accepte les conditions d'utilisation", "coverage": "Ma couverture",
        "family_coverage": "Couverture de ma famille", "spouse": "Conjoint ou conjointe", "child": "Enfant",
        "covered": "Couverte aujourd'hui", "not_covered": "Non couverte aujourd'hui", "profile": "Mon profil",
        "family": "Ma famille", "claims": "Mes demandes de règlement", "new_claim": "Soumettre une demande",
        "patient": "Pour qui sont ces soins ?", "type": "Type de soin", "service_date": "Date du service",
        "provider": "Nom du fournisseur", "amount": "Montant payé (CAD)", "receipt": "Reçu",
        "send_claim": "Soumettre la demande", "submitted": "Votre demande a été soumise.", "patient_dt": "Personne soignée",
        "not_covered_error": "Personne non couverte à cette date.", "money": "85,50",
        "enrol": "Inscrire une personne à charge", "relationship": "Lien avec vous", "last": "Nom de famille",
        "first": "Prénom", "dob": "Date de naissance", "event": "Date de l'événement", "proof": "Pièce justificative",
        "send_request": "Envoyer la demande", "proof_required": "Joignez une pièce justificative.",
        "sent_late": "Elle arrive après le délai d'inscription", "late": "Après le délai", "pending": "En attente de décision",
        "requests": "Mes demandes d'inscription", "add_document": "Ajouter une pièce justificative pour Noé Côté",
        "add_send": "Ajouter la pièce", "added": "La pièce justificative est ajoutée.",
    },
    "en": {
        "email": "Institutional e-mail", "password": "Password", "submit": "Submit",
        "accept": "I have read and I accept the terms of use", "coverage": "My coverage",
        "family_coverage": "My family's coverage", "spouse": "Spouse", "child": "Child",
        "covered": "Covered today", "not_covered": "Not covered today", "profile": "My profile",
        "family": "My family", "claims": "My claims", "new_claim": "Submit a claim",
        "patient": "Who received the care?", "type": "Type of care", "service_date": "Service date",
        "provider": "Provider's name", "amount": "Amount paid (CAD)", "receipt": "Receipt",
        "send_claim": "Submit the claim", "submitted": "Your claim was submitted.", "patient_dt": "Patient",
        "not_covered_error": "Person not covered on this date.", "money": "85.50",
        "enrol": "Enrol a dependant", "relationship": "Relationship to you", "last": "Last name",
        "first": "First name", "dob": "Date of birth", "event": "Date of the event", "proof": "Proof document",
        "send_request": "Send the request", "proof_required": "Attach a proof document.",
        "sent_late": "It comes after the enrolment window", "late": "Late", "pending": "Awaiting decision",
        "requests": "My enrolment requests", "add_document": "Add a proof document for Noé Côté",
        "add_send": "Add the document", "added": "The proof document is added.",
    },
}

def today():
    """The server's today: Eastern time (CalendarDate.today), not the machine's zone, so a run
    between midnight UTC and midnight in Toronto does not date a claim in the future."""
    return datetime.datetime.now(ZoneInfo("America/Toronto")).date()


DEPENDANTS_HEADER = "principal_certificate_number,dependant_id,relationship,last_name,first_name,date_of_birth,coverage_start,coverage_end"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_family_in_the_portal(page, language):
    t = TEXT[language]
    plan = Plan(default_locale="fr")
    member = plan.members[0 if language == "fr" else 1]
    cert = member["certificate"]
    # Marc is covered; Léa's coverage ended in 2021.
    status, body, _ = api("PUT", f"/v1/admin/plans/{plan.slug}/roster/dependants", "\n".join([
        DEPENDANTS_HEADER,
        f"{cert},{cert}S,spouse,Côté,Marc,1996-02-11,2020-01-01,",
        f"{cert},{cert}C,child,Côté,Léa,2019-05-30,2020-01-01,2021-12-31",
    ]) + "\n", content_type="text/csv")
    assert status == 200, body
    activate_through_api(plan, member, PASSWORD)
    step = Steps(f"family-{language}")

    page.goto(plan.url("/login"))
    if language == "en":
        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label(t["email"]).fill(member["email"])
    page.get_by_label(t["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t["submit"]).click()
    page.get_by_label(t["accept"]).check()
    page.get_by_label(t["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t["submit"]).click()

    # Coverage: each dependant with their period, whether covered today and a table of their use.
    expect(page.get_by_role("heading", level=1, name=t["coverage"])).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=t["family_coverage"])).to_be_visible()
    marc = page.get_by_role("region", name=f"Marc Côté · {t['spouse']}")
    expect(marc).to_contain_text(t["covered"])
    expect(marc.get_by_role("table")).to_be_visible()
    assert marc.get_by_role("row").count() == 4  # the header and three categories
    lea = page.get_by_role("region", name=f"Léa Côté · {t['child']}")
    expect(lea).to_contain_text(t["not_covered"])
    expect(lea).to_contain_text("2021-12-31")
    step(page, "coverage")

    # Profile: the family and the way to enrol someone.
    page.get_by_role("navigation").get_by_role("link", name=t["profile"]).click()
    expect(page.get_by_role("heading", level=2, name=t["family"])).to_be_visible()
    expect(page.get_by_role("heading", level=3, name="Marc Côté")).to_be_visible()
    expect(page.get_by_role("heading", level=3, name="Léa Côté")).to_be_visible()
    step(page, "profile")

    # A claim for Marc: chosen on the form, named on the claim and in the list.
    page.get_by_role("navigation").get_by_role("link", name=t["claims"]).click()
    page.get_by_role("main").get_by_role("link", name=t["new_claim"]).click()
    patient = page.get_by_label(t["patient"])
    expect(patient).to_have_value("self")
    patient.select_option(f"{cert}S")
    page.get_by_label(t["type"]).select_option("dental")
    page.get_by_label(t["service_date"]).fill(today().isoformat())
    page.get_by_label(t["provider"]).fill("Clinique dentaire du Plateau")
    page.get_by_label(t["amount"]).fill(t["money"])
    page.get_by_label(t["receipt"], exact=True).set_input_files(files=[{"name": "recu.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    step(page, "claim-for-dependant")
    page.get_by_role("button", name=t["send_claim"]).click()
    expect(page.get_by_role("status")).to_contain_text(t["submitted"])
    expect(page.locator("dt", has_text=t["patient_dt"]).locator("xpath=following-sibling::dd")).to_have_text("Marc Côté")
    page.get_by_role("navigation").get_by_role("link", name=t["claims"]).click()
    item = page.locator(".claim-item").filter(has_text="Clinique dentaire du Plateau")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Marc Côté")
    step(page, "claims-with-patient")

    # A claim for Léa, not covered today: refused next to the patient field, in the page's language.
    page.get_by_role("main").get_by_role("link", name=t["new_claim"]).click()
    page.get_by_label(t["patient"]).select_option(f"{cert}C")
    page.get_by_label(t["type"]).select_option("vision")
    page.get_by_label(t["service_date"]).fill(today().isoformat())
    page.get_by_label(t["provider"]).fill("Lunetterie du Vieux-Port")
    page.get_by_label(t["amount"]).fill(t["money"])
    page.get_by_label(t["receipt"], exact=True).set_input_files(files=[{"name": "recu.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name=t["send_claim"]).click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#patient-error")).to_contain_text(t["not_covered_error"])
    assert page.get_by_label(t["patient"]).get_attribute("aria-invalid") == "true"
    expect(page.get_by_label(t["patient"])).to_have_value(f"{cert}C")
    # The summary's link takes the keyboard to the field.
    page.locator(".error-summary a[href='#patient']").click()
    expect(page.get_by_label(t["patient"])).to_be_focused()
    step(page, "claim-not-covered")
    status, claims, _ = api("GET", f"/v1/admin/plans/{plan.slug}/claims")
    assert status == 200, claims
    assert [c["providerName"] for c in claims["items"]] == ["Clinique dentaire du Plateau"]

    # Enrolment: without the proof it is refused; with it, sixty days after the birth, it is sent and flagged late.
    page.get_by_role("navigation").get_by_role("link", name=t["profile"]).click()
    page.get_by_role("link", name=t["enrol"]).click()
    expect(page.get_by_role("heading", level=1, name=t["enrol"])).to_be_visible()
    step(page, "enrolment-form")
    page.get_by_role("group", name=t["relationship"]).get_by_label(t["child"]).check()
    page.get_by_label(t["last"]).fill("Côté")
    page.get_by_label(t["first"]).fill("Noé")
    born = (today() - datetime.timedelta(days=60)).isoformat()
    page.get_by_label(t["dob"]).fill(born)
    page.get_by_label(t["event"]).fill(born)
    page.get_by_role("button", name=t["send_request"]).click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#proof-error")).to_contain_text(t["proof_required"])
    expect(page.get_by_label(t["first"])).to_have_value("Noé")
    step(page, "enrolment-missing-proof")
    page.get_by_label(t["proof"], exact=True).set_input_files(files=[{"name": "acte.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name=t["send_request"]).click()
    expect(page).to_have_url(re.compile(r"/profile\?m=enrolment_late$"))
    expect(page.get_by_role("status")).to_contain_text(t["sent_late"])
    request = page.locator(".request-item").filter(has_text="Noé Côté")
    expect(request).to_contain_text(t["late"])
    expect(request).to_contain_text(t["pending"])
    expect(request).to_contain_text("acte.pdf")
    step(page, "enrolment-sent")

    # Another document while it awaits its decision, from the profile.
    request.get_by_label(t["add_document"]).set_input_files(files=[{"name": "livret.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    request.get_by_role("button", name=t["add_send"]).click()
    expect(page.get_by_role("status")).to_contain_text(t["added"])
    expect(page.locator(".request-item").filter(has_text="Noé Côté")).to_contain_text("livret.pdf")
    step(page, "document-added")
    # Each proof is a link to its download: the bytes sent, under their name.
    with page.expect_download() as download:
        page.locator(".request-item").filter(has_text="Noé Côté").get_by_role("link", name="livret.pdf").click()
    assert download.value.suggested_filename == "livret.pdf"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == PDF

    # The TPA sees it, late, with its proof.
    status, queue, _ = api("GET", f"/v1/admin/plans/{plan.slug}/dependant-requests")
    assert status == 200, queue
    assert [(r["firstName"], r["late"], len(r["documents"])) for r in queue["items"]] == [("Noé", True, 2)]
    # No script error and no CSP refusal (a refused form's 422 and the favicon's 404 are logged as failed loads).
    assert [e for e in page.console_errors if not e.startswith("Failed to load resource")] == []
    assert len(step.checked) == 9

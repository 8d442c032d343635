"""(c) error paths, (d) registration with the keyboard alone, (g) CSRF, and the headers."""
import re

from playwright.sync_api import expect

from conftest import Plan, Steps, mails_to, wait_for_link


def register(page, plan, email, identity):
    """Steps 1 and 2 through the pages (French); identity = (last, first, dob, certificate)."""
    page.goto(plan.url("/register"))
    page.get_by_label("Adresse courriel institutionnelle").fill(email)
    page.get_by_label("Confirmation de l'adresse courriel").fill(email)
    page.get_by_role("button", name="Étape suivante").click()
    expect(page).to_have_url(re.compile(r"/register/identity$"))
    last, first, dob, certificate = identity
    page.get_by_label("Nom de famille").fill(last)
    page.get_by_label("Prénom").fill(first)
    page.get_by_label("Date de naissance").fill(dob)
    page.get_by_label("Numéro de certificat").fill(certificate)
    expect(page.locator(".pow[data-solved=true]")).to_be_attached(timeout=60000)
    page.get_by_role("button", name="Étape suivante").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez vos courriels")


def test_email_mismatch_is_shown_next_to_its_field_and_in_a_focused_summary(page):
    plan = Plan()
    step = Steps("errors-mismatch")
    page.goto(plan.url("/register"))
    page.get_by_label("Adresse courriel institutionnelle").fill(plan.members[0]["email"])
    page.get_by_label("Confirmation de l'adresse courriel").fill("autre@" + plan.domain)
    page.get_by_role("button", name="Étape suivante").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#emailConfirmation")
    field = page.locator("#emailConfirmation")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "emailConfirmation-error" in field.get_attribute("aria-describedby")
    expect(page.locator("#emailConfirmation-error")).to_contain_text("courriel")
    assert page.title().startswith("Erreur :")
    step(page, "email-mismatch")
    # The summary's link takes the focus to the field.
    summary.get_by_role("link").click()
    expect(field).to_be_focused()


def test_unmatched_identity_gets_the_same_page_and_no_email(page):
    plan = Plan()
    stranger = f"personne@{plan.domain}"
    register(page, plan, stranger, ("Inconnu", "Personne", "1990-01-01", "ZZZ999"))
    unmatched = page.locator("main").inner_text()
    member = plan.members[2]
    register(page, plan, member["email"], (member["last"], member["first"], member["dob"], member["certificate"]))
    matched = page.locator("main").inner_text()
    assert unmatched == matched
    wait_for_link(member["email"])
    assert mails_to(stranger) == []


def test_password_rules_used_and_expired_links_and_a_429(page):
    plan = Plan()
    step = Steps("errors")
    member = plan.members[3]
    register(page, plan, member["email"], (member["last"], member["first"], member["dob"], member["certificate"]))
    first_link = wait_for_link(member["email"], count=1)

    # Resend: a new message, whose link replaces the first; a second resend at once is a 429 with its wait.
    page.get_by_role("button", name="Envoyer un nouveau message").click()
    expect(page.get_by_role("status")).to_contain_text("Un nouveau message a été envoyé.")
    second_link = wait_for_link(member["email"], count=2)
    with page.expect_response(lambda r: r.url.endswith("/register/resend")) as info:
        page.get_by_role("button", name="Envoyer un nouveau message").click()
    assert info.value.status == 429
    assert int(info.value.headers["retry-after"]) > 0
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator(".wait")).to_contain_text("Veuillez patienter")
    step(page, "rate-limited")

    # The first link is now expired.
    page.goto(first_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien a expiré")
    step(page, "link-expired")

    # Password rules: a weak password lists what it breaks.
    page.goto(second_link)
    page.get_by_label("Date de naissance").fill(member["dob"])
    page.get_by_label("Numéro de certificat").fill(member["certificate"])
    page.get_by_label("Mot de passe", exact=True).fill("motdepasse")
    expect(page.locator("li[data-rule=uppercase].unmet")).to_be_attached()
    page.get_by_label("Confirmez le mot de passe").fill("motdepasse")
    page.get_by_label("Choisir une question").select_option(index=2)
    page.get_by_label("Réponse").fill("Gaspé")
    page.get_by_role("button", name="Étape suivante").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("#password-error")).to_be_visible()
    expect(page.locator("[data-error-summary]")).to_contain_text("majuscule")
    step(page, "password-rules")
    page.get_by_label("Date de naissance").fill(member["dob"])
    page.get_by_label("Numéro de certificat").fill(member["certificate"])
    page.get_by_label("Mot de passe", exact=True).fill("Gaspésie-2026!")
    page.get_by_label("Confirmez le mot de passe").fill("Gaspésie-2026!")
    page.get_by_label("Réponse").fill("Gaspé")
    page.get_by_role("button", name="Étape suivante").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre compte est activé")

    # The same link once more: already used.
    page.goto(second_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien a déjà servi")
    step(page, "link-used")


def tab_to(page, selector, limit=40):
    """Presses Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_registration_with_the_keyboard_alone(page):
    plan = Plan()
    member = plan.members[4]
    page.goto(plan.url("/login"))
    tab_to(page, "a.skip-link")
    tab_to(page, "nav a[href$='/register']")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused link shows no outline"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/register$"))
    tab_to(page, "#email")
    page.keyboard.type(member["email"])
    page.keyboard.press("Tab")
    page.keyboard.type(member["email"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/register/identity$"))
    tab_to(page, "#lastName")
    page.keyboard.type(member["last"])
    page.keyboard.press("Tab")
    page.keyboard.type(member["first"])
    page.keyboard.press("Tab")
    year, month, day = member["dob"].split("-")
    page.keyboard.type(month + day + year)  # en-US date field: month, day, year
    expect(page.locator("#dateOfBirth")).to_have_value(member["dob"])
    page.keyboard.press("Tab")
    # The date field can hold focus on its calendar button; go on to the certificate field.
    tab_to(page, "#certificateNumber")
    page.keyboard.type(member["certificate"])
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez vos courriels", timeout=60000)
    wait_for_link(member["email"])


def test_a_form_without_its_csrf_token_is_refused(page):
    plan = Plan()
    member = plan.members[0]
    page.goto(plan.url("/register"))
    page.evaluate("() => document.querySelector('input[name=_csrf]').remove()")
    page.get_by_label("Adresse courriel institutionnelle").fill(member["email"])
    page.get_by_label("Confirmation de l'adresse courriel").fill(member["email"])
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.get_by_role("button", name="Étape suivante").click()
    assert info.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce formulaire a expiré")
    # A token of another flow is refused too.
    response = page.request.post(plan.url("/register"), form={
        "_csrf": "x" * 43, "email": member["email"], "emailConfirmation": member["email"],
    }, max_redirects=0)
    assert response.status == 403


def test_portal_headers(page):
    plan = Plan()
    response = page.goto(plan.url("/register"))
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    # No inline script or style anywhere on the page.
    assert page.evaluate("() => [...document.scripts].every(s => s.src)")
    assert page.evaluate("() => document.querySelectorAll('style, [style]').length") == 0
    # Only this origin's scripts are loaded on a proof-of-work plan.
    assert page.evaluate("() => [...document.scripts].every(s => new URL(s.src).origin === location.origin)")

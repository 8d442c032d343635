"""The member's own settings behind the login (language, password, security question) on a
branded plan: its colour and logo on every page, axe on each screen."""
import re

from playwright.sync_api import expect

from conftest import Plan, Steps, activate_through_api, api, png

BRAND = "#5b2a86"  # white on it: about 9.6:1


def log_in(page, plan, member, password, terms=True):
    page.goto(plan.url("/login"))
    page.get_by_label("Courriel institutionnel").fill(member["email"])
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Soumettre").click()
    if terms:
        page.get_by_label("J'ai lu et j'accepte les conditions d'utilisation").check()
        page.get_by_label("Mot de passe", exact=True).fill(password)
        page.get_by_role("button", name="Soumettre").click()
    expect(page.get_by_role("heading", level=1, name="Ma couverture")).to_be_visible()


def test_settings_on_a_branded_plan(page):
    plan = Plan()
    member = plan.members[0]
    status, body, _ = api("PATCH", f"/v1/admin/plans/{plan.slug}", {"branding": {"primaryColor": BRAND}})
    assert status == 200, body
    status, body, _ = api("PUT", f"/v1/admin/plans/{plan.slug}/branding/logo", png(120, 40, rgb=(240, 200, 80)), content_type="image/png")
    assert status == 200, body
    activate_through_api(plan, member, "Bleuet-Soleil-42")
    step = Steps("settings")

    log_in(page, plan, member, "Bleuet-Soleil-42")
    # The plan's colour and logo, from this origin.
    assert page.evaluate("() => getComputedStyle(document.querySelector('.site-header')).backgroundColor") == "rgb(91, 42, 134)"
    logo = page.locator("img.plan-logo")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 120
    assert logo.evaluate("img => new URL(img.src).origin === location.origin")
    step(page, "branded-coverage")

    # Language: the member's, and the pages follow it.
    page.get_by_role("link", name="Mon profil").click()
    expect(page.get_by_text(member["certificate"])).to_be_visible()
    step(page, "profile")
    page.get_by_label("Anglais").check()
    page.get_by_role("button", name="Enregistrer la langue").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("status")).to_contain_text("Your language is saved.")
    step(page, "language-saved")

    # Password: a wrong current password is shown next to its field and in the focused summary.
    page.get_by_role("link", name="Change the password").click()
    page.get_by_label("Current password").fill("Pas-Le-Bon-42")
    page.get_by_label("Password", exact=True).fill("Hiver-Boreal-2027")
    page.get_by_label("Confirm the password").fill("Hiver-Boreal-2027")
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#currentPassword-error")).to_contain_text("Wrong current password.")
    assert page.get_by_label("Current password").get_attribute("aria-invalid") == "true"
    step(page, "password-wrong")
    page.get_by_label("Current password").fill("Bleuet-Soleil-42")
    page.get_by_label("Password", exact=True).fill("Hiver-Boreal-2027")
    page.get_by_label("Confirm the password").fill("Hiver-Boreal-2027")
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed.")
    step(page, "password-changed")

    # Security question, then log out and in with the new password.
    page.get_by_role("link", name="Change the security question").click()
    page.get_by_label("Current password").fill("Hiver-Boreal-2027")
    page.get_by_label("Choose a question").select_option(index=2)
    page.get_by_label("Answer").fill("Rimouski")
    step(page, "question")
    page.get_by_role("button", name="Save the question").click()
    expect(page.get_by_role("status")).to_contain_text("Your security question is changed.")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login\?m=bye$"))
    page.get_by_label("Institutional e-mail").fill(member["email"])
    page.get_by_label("Password", exact=True).fill("Hiver-Boreal-2027")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", level=1, name="My coverage")).to_be_visible()

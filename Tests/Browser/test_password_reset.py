"""The forgotten password through the pages, in English (axe on each screen), and the refusal
pages in English too."""
import re

from playwright.sync_api import expect

from conftest import Plan, Steps, activate_through_api, wait_for_link


def test_forgotten_password_in_english(page):
    plan = Plan(default_locale="en")
    member = plan.members[0]
    activate_through_api(plan, member, "Premier-Mot-9")
    step = Steps("reset-en")
    page.goto(plan.url("/login"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Forgot your password?").click()
    step(page, "request")
    page.get_by_label("Institutional e-mail").fill(member["email"])
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    step(page, "sent")
    link = wait_for_link(member["email"], kind="password-reset")
    assert link.startswith(plan.url("/password-reset?token="))
    page.goto(link)
    expect(page).to_have_url(plan.url("/password-reset/new"))
    expect(page.locator("#securityAnswer")).to_be_visible()
    page.locator("#securityAnswer").fill("wrong answer")
    page.get_by_label("Password", exact=True).fill("Second-Mot-10")
    page.get_by_label("Confirm the password").fill("Second-Mot-10")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("#securityAnswer")).to_have_attribute("aria-invalid", "true")
    step(page, "wrong-answer")
    page.locator("#securityAnswer").fill("sherbrooke")
    page.get_by_label("Password", exact=True).fill("Second-Mot-10")
    page.get_by_label("Confirm the password").fill("Second-Mot-10")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("Your password was changed.")
    step(page, "changed")
    # The old password no longer opens a session, the new one does (after the terms).
    page.get_by_label("Institutional e-mail").fill(member["email"])
    page.get_by_label("Password", exact=True).fill("Premier-Mot-9")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    step(page, "wrong-password")
    page.get_by_label("Password", exact=True).fill("Second-Mot-10")
    page.get_by_role("button", name="Submit").click()
    page.get_by_label("I have read and I accept the terms of use").check()
    page.get_by_label("Password", exact=True).fill("Second-Mot-10")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My coverage")
    # The used link.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is no longer valid")
    step(page, "link-used")


def test_refusals_in_english(page):
    plan = Plan(default_locale="en")
    step = Steps("errors-en")
    page.goto(plan.url("/register"))
    page.get_by_label("Institutional e-mail address").fill("someone@elsewhere.example")
    page.get_by_label("Confirm the e-mail address").fill("someone@elsewhere.example")
    page.get_by_role("button", name="Next step").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    step(page, "domain-not-allowed")
    page.goto(plan.url("/activation?token=" + "A" * 43))
    expect(page).to_have_url(plan.url("/activation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Link not found")
    step(page, "link-unknown")
    page.evaluate("() => document.querySelector('input[name=_csrf]') && document.querySelector('input[name=_csrf]').remove()")
    page.goto(plan.url("/register"))
    page.evaluate("() => document.querySelector('input[name=_csrf]').remove()")
    page.get_by_role("button", name="Next step").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This form has expired")
    step(page, "form-expired")

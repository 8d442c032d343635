"""WCAG 1.4.10 reflow: at 320 CSS px wide (and 640, a 1280 px window at 200 % zoom) no page
needs horizontal scrolling."""
import pytest
from playwright.sync_api import expect

from conftest import Plan, Steps


@pytest.mark.parametrize("width", [320, 640])
def test_pages_reflow_without_horizontal_scrolling(browser, width):
    plan = Plan()
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 720})
    page = context.new_page()
    step = Steps(f"reflow-{width}")
    try:
        member = plan.members[0]
        for path in ["/login", "/register", "/password-reset"]:
            page.goto(plan.url(path))
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width, path
        page.goto(plan.url("/register"))
        page.locator("#email").fill(member["email"])
        page.locator("#emailConfirmation").fill("x" + member["email"])
        page.locator("button[type=submit]").click()
        expect(page.locator("[data-error-summary]")).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "errors"
        page.locator("#emailConfirmation").fill(member["email"])
        page.locator("button[type=submit]").click()
        expect(page.locator(".pow[data-solved=true]")).to_be_attached(timeout=60000)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "identity"
        if width == 320:
            step(page, "identity")
    finally:
        context.close()

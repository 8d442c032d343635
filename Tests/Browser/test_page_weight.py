"""The portal's page weight: HTML + CSS + JS of the registration pages (step 1, and step 2 with
the proof-of-work worker), as served (no compression). Printed for the closing note, and held
under a budget so a heavy dependency cannot slip in."""
from conftest import Plan

BUDGET = 60 * 1024


def weight(page):
    urls = page.evaluate("""() => [
      ...[...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href),
      ...[...document.scripts].map(s => s.src),
      ...[...document.querySelectorAll('[data-worker]')].map(e => new URL(e.getAttribute('data-worker'), location.href).href),
    ]""")
    document = page.request.get(page.url)
    assert document.ok, page.url
    parts = {"html": len(document.body())}
    for url in urls:
        response = page.request.get(url)
        assert response.ok, url
        parts[url.rsplit("/", 1)[-1]] = len(response.body())
    return parts


def test_registration_pages_weight(page, capsys):
    plan = Plan()
    member = plan.members[0]
    page.goto(plan.url("/register"))
    step1 = weight(page)
    page.get_by_label("Adresse courriel institutionnelle").fill(member["email"])
    page.get_by_label("Confirmation de l'adresse courriel").fill(member["email"])
    page.get_by_role("button", name="Étape suivante").click()
    page.get_by_label("Nom de famille").wait_for()
    step2 = weight(page)
    with capsys.disabled():
        for name, parts in (("register", step1), ("register/identity", step2)):
            print(f"\npage weight {name}: {sum(parts.values())} bytes {parts}")
    assert sum(step1.values()) < BUDGET and sum(step2.values()) < BUDGET

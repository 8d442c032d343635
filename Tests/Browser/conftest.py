"""Browser tests of the member portal: Playwright for Python driving Debian's chromium (no browser
download), axe-core through axe-playwright-python. Run by deploy/local/browser-check against a
live `planportal serve` whose e-mails go to the test SMTP capture.

Environment: PORTAL_BASE_URL (http://127.0.0.1:PORT), PORTAL_ADMIN_KEY (a platform admin key),
SMTP_CAPTURE_DIR, PORTAL_SCREENSHOTS (folder for the screenshots of each step; optional),
CHROMIUM (default /usr/bin/chromium)."""
import email
import email.policy
import json
import os
import re
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8080")
ADMIN_KEY = os.environ.get("PORTAL_ADMIN_KEY", "")
MAIL_DIR = Path(os.environ.get("SMTP_CAPTURE_DIR", "/nonexistent"))
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# WCAG 2.0/2.1 A and AA, and axe's best practices.
AXE_OPTIONS = {"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def api(method, path, body=None, key=ADMIN_KEY, content_type="application/json", headers=None):
    """A call to the JSON API; returns (status, parsed body or text, headers)."""
    data = None
    if body is not None:
        if isinstance(body, bytes):
            data = body
        else:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    request = urllib.request.Request(BASE_URL + path, data=data, method=method)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read().decode()
            status, response_headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw = error.read().decode()
        status, response_headers = error.code, dict(error.headers)
    try:
        return status, json.loads(raw), response_headers
    except ValueError:
        return status, raw, response_headers


class Plan:
    """A fresh plan for one test: proof of work, a roster, terms, benefits, support contact."""

    def __init__(self, default_locale="fr", pow_max=20000):
        self.suffix = uuid.uuid4().hex[:8]
        self.slug = f"portal-{self.suffix}"
        self.domain = f"u{self.suffix}.example.ca"
        self.portal = f"{BASE_URL}/portal/{self.slug}"
        status, body, _ = api("POST", "/v1/admin/plans", {
            "slug": self.slug,
            "nameFr": "Régime d'assurance maladie universitaire (démo)",
            "nameEn": "University Health Insurance Plan (demo)",
            "emailDomains": [self.domain],
            "portalUrl": self.portal,
            "defaultLocale": default_locale,
            "support": {"phone": "1 833 377-8447", "email": "soutien@example.ca",
                        "hoursFr": "du lundi au vendredi, de 8 h à 17 h (HE)", "hoursEn": "Monday to Friday, 8 a.m. to 5 p.m. (ET)"},
            "challenge": {"provider": "pow", "powMaxNumber": pow_max},
        })
        assert status == 201, body
        self.members = []
        rows = ["certificate_number,last_name,first_name,date_of_birth,email"]
        for index, (last, first, dob) in enumerate([
            ("Tremblay", "Jeanne", "1999-04-12"), ("Côté-Lévesque", "Émile", "2000-11-03"), ("Nguyen", "Linh", "1998-02-27"),
            ("O'Connor", "Siobhán", "2001-07-19"), ("Roy", "Camille", "1997-09-30"),
        ]):
            member = {"certificate": f"C{self.suffix.upper()}{index}", "last": last, "first": first, "dob": dob,
                      "email": f"{first.lower().replace('é', 'e').replace('á', 'a')}.{index}@{self.domain}"}
            self.members.append(member)
            rows.append(f"{member['certificate']},{last},{first},{dob},{member['email']}")
        status, body, _ = api("PUT", f"/v1/admin/plans/{self.slug}/roster", "\n".join(rows) + "\n", content_type="text/csv")
        assert status == 200, body
        status, body, _ = api("PUT", f"/v1/admin/plans/{self.slug}/terms", {
            "version": "2026-09",
            "textFr": "Conditions d'utilisation du portail des participants.\nVos renseignements sont protégés.",
            "textEn": "Terms of use of the member portal.\nYour information is protected.",
        })
        assert status == 201, body
        status, body, _ = api("PUT", f"/v1/admin/plans/{self.slug}/benefits", {
            "benefitYearStart": "09-01",
            "categories": [
                {"code": "dental", "nameFr": "Soins dentaires", "nameEn": "Dental care", "coveragePercent": 80, "annualMaximumCents": 75000},
                {"code": "vision", "nameFr": "Soins de la vue", "nameEn": "Vision care", "coveragePercent": 100,
                 "annualMaximumCents": 20000, "perClaimMaximumCents": 20000},
                {"code": "paramedical", "nameFr": "Soins paramédicaux", "nameEn": "Paramedical care", "coveragePercent": 80,
                 "annualMaximumCents": 50000},
            ],
        })
        assert status == 200, body

    def url(self, path=""):
        return f"{self.portal}{path}"


def png(width, height, rgb=(255, 255, 255)):
    """A real (decodable) PNG of one colour, for a plan's logo."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def mails_to(address):
    """The messages the SMTP capture received for `address`, oldest first."""
    if not MAIL_DIR.is_dir():
        return []
    suffix = f"-{address.lower()}.eml"
    files = sorted(p for p in MAIL_DIR.iterdir() if p.name.lower().endswith(suffix) and not p.name.startswith("."))
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


def mail_text(message):
    parts = []
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            parts.append(part.get_content())
    return "\n".join(parts)


def wait_for_link(address, kind="activation", count=1, timeout=30):
    """The link (`{portalUrl}/activation?token=…`) of the `count`-th message to `address` holding one."""
    deadline = time.time() + timeout
    pattern = re.compile(r"(https?://[^\s\"<>]+/" + kind + r"\?token=[A-Za-z0-9_-]{43})")
    while True:
        links = []
        for message in mails_to(address):
            match = pattern.search(mail_text(message))
            if match:
                links.append(match.group(1))
        if len(links) >= count:
            return links[count - 1]
        assert time.time() < deadline, f"no {kind} e-mail #{count} to {address} after {timeout} s ({len(links)} so far)"
        time.sleep(0.2)


@pytest.fixture(scope="session")
def playwright_instance():
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(20000)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.console_errors = errors
    yield page


AXE = Axe()


class Steps:
    """Each step of a journey: axe finds no violation, and a screenshot is kept when asked."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.index = 0
        self.checked = []

    def __call__(self, page, name, axe=True):
        self.index += 1
        if axe:
            results = AXE.run(page, options=AXE_OPTIONS)
            assert results.violations_count == 0, f"{name}: {results.generate_report()}"
            self.checked.append(name)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"{self.prefix}-{self.index:02d}-{name}.png"), full_page=True)


def solve_and_submit(page, button_name):
    """Sends a form that holds the proof of work: our script solves it in the page first."""
    page.get_by_role("button", name=button_name).click()


def solve_pow(slug):
    """A challengeToken for `slug`'s proof of work, solved here (for setups through the API)."""
    import base64
    import hashlib
    status, info, _ = api("GET", f"/v1/plans/{slug}/challenge", key=None)
    assert status == 200, info
    pow = info["pow"]
    for number in range(pow["maxnumber"] + 1):
        if hashlib.sha256(f"{pow['salt']}{number}".encode()).hexdigest() == pow["challenge"]:
            solution = {k: pow[k] for k in ("algorithm", "challenge", "salt", "signature")}
            solution["number"] = number
            return base64.b64encode(json.dumps(solution).encode()).decode()
    raise AssertionError("proof of work not solved")


def activate_through_api(plan, member, password):
    """An active account for `member`, made through the JSON API (for tests about later screens)."""
    slug = plan.slug
    status, started, _ = api("POST", f"/v1/plans/{slug}/registrations", {"email": member["email"], "emailConfirmation": member["email"]}, key=None)
    assert status == 201, started
    status, body, _ = api("POST", f"/v1/plans/{slug}/registrations/{started['registrationId']}/identity", {
        "lastName": member["last"], "firstName": member["first"], "dateOfBirth": member["dob"],
        "certificateNumber": member["certificate"], "challengeToken": solve_pow(slug),
    }, key=None)
    assert status == 202, body
    token = wait_for_link(member["email"]).split("token=")[1]
    status, questions, _ = api("GET", f"/v1/plans/{slug}/security-questions", key=None)
    status, body, _ = api("POST", f"/v1/plans/{slug}/activations/{token}", {
        "dateOfBirth": member["dob"], "certificateNumber": member["certificate"], "password": password,
        "passwordConfirmation": password, "securityQuestionId": questions[0]["id"], "securityAnswer": "Sherbrooke",
    }, key=None)
    assert status == 201, body

"""(f) A university's own web page on another origin calls the API through CORS; a page of an
unlisted origin is refused by the browser. Both pages are served here, on loopback."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import BASE_URL, Plan, api

PAGE = b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>University app</title></head><body><h1>University app</h1></body></html>"


class UniversityPage(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def sites():
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), UniversityPage) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{server.server_address[1]}" for server in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


FETCH = """async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    const body = await response.json();
    return {status: response.status, body, requestId: response.headers.get('X-Request-Id'),
            language: response.headers.get('Content-Language')};
  } catch (error) { return {refused: String(error)}; }
}"""


def test_an_allowed_origin_reads_the_api_and_another_is_refused(page, sites):
    allowed, unlisted = sites
    plan = Plan()
    status, body, _ = api("PATCH", f"/v1/admin/plans/{plan.slug}", {"allowedOrigins": [allowed]})
    assert status == 200, body

    page.goto(allowed + "/app")
    simple = page.evaluate(FETCH, [f"{BASE_URL}/v1/plans/{plan.slug}", {}])
    assert simple.get("status") == 200, simple
    assert simple["body"]["slug"] == plan.slug and simple["requestId"], simple
    # A JSON POST needs a preflight; its problem (and the exposed headers) can be read.
    preflighted = page.evaluate(FETCH, [f"{BASE_URL}/v1/plans/{plan.slug}/registrations", {
        "method": "POST", "headers": {"Content-Type": "application/json", "Accept-Language": "en"},
        "body": f'{{"email": "a@{plan.domain}", "emailConfirmation": "b@{plan.domain}"}}',
    }])
    assert preflighted.get("status") == 422, preflighted
    assert preflighted["body"]["code"] == "email_mismatch" and preflighted["language"] == "en", preflighted

    page.goto(unlisted + "/app")
    refused = page.evaluate(FETCH, [f"{BASE_URL}/v1/plans/{plan.slug}", {}])
    assert "refused" in refused, refused
    # The admin API grants no browser origin unless ADMIN_ALLOWED_ORIGINS names one.
    page.goto(allowed + "/app")
    admin = page.evaluate(FETCH, [f"{BASE_URL}/v1/admin/plans", {}])
    assert "refused" in admin, admin

"""Security headers on every response; who may frame which page; cookies in production."""

import re
from pathlib import Path

import pytest
from werkzeug.routing import IntegerConverter

from config import ProductionConfig
from liveqa.app import create_app
from liveqa.auth import CLIENT_COOKIE, client_id_from_cookie
from liveqa.extensions import db
from liveqa.models import SessionStatus
from tests.conftest import html, login_as
from tests.factories import PASSWORD, Factory

_SAMPLE = {"filename": "css/app.css", "code": "ABCD2345"}


def _get_urls() -> list[str]:
    """Return one URL for every GET route of the app, its arguments filled in."""
    app = create_app("test")
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        values = {
            name: 1 if isinstance(converter, IntegerConverter) else _SAMPLE.get(name, "x")
            for name, converter in rule._converters.items()
        }
        urls.append(adapter.build(rule.endpoint, values))
    return sorted(set(urls))


GET_URLS = _get_urls()


def _policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_the_routes_include_pages_api_and_static():
    assert {"/", "/moderate", "/panel", "/login", "/screen/1", "/healthz", "/readyz"} <= set(
        GET_URLS
    )
    assert any(url.startswith("/api/v1/") for url in GET_URLS)
    assert "/static/css/app.css" in GET_URLS


@pytest.mark.parametrize("url", GET_URLS)
@pytest.mark.parametrize("role", [None, "moderator"])
def test_every_get_route_sends_the_security_headers(client, factory, url, role):
    factory.session(SessionStatus.LIVE)
    if role:
        login_as(client, factory, role)
    response = client.get(url)
    policy = _policy(response)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if url.startswith("/screen/"):
        assert "X-Frame-Options" not in response.headers
        assert policy["frame-ancestors"].split()[0] == "'self'"
    else:
        assert response.headers["X-Frame-Options"] == "DENY"
        assert policy["frame-ancestors"] == "'none'"
    if role and not url.startswith("/static/"):
        # A logged-in staff member's responses are never stored (public snapshots aside).
        assert response.cache_control.no_store or response.cache_control.public


def test_error_responses_send_the_headers_too(client):
    for response in (client.get("/no-such-page"), client.post("/api/v1/sessions/1/questions")):
        assert response.status_code >= 400
        assert _policy(response)["frame-ancestors"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/login", "/moderate", "/panel"])
def test_staff_pages_are_never_stored(client, url):
    response = client.get(url)
    assert response.cache_control.no_store


@pytest.mark.parametrize(("role", "url"), [("moderator", "/moderate"), ("official", "/panel")])
def test_staff_pages_are_never_stored_when_logged_in(client, factory, role, url):
    factory.session(SessionStatus.LIVE)
    login_as(client, factory, role)
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.no_store
    assert client.get("/api/v1/me").cache_control.no_store


def test_the_citizen_page_may_be_stored_by_nobody_but_is_not_marked_staff(client, factory):
    factory.session(SessionStatus.LIVE)
    assert not client.get("/").cache_control.no_store


def test_the_configured_origins_may_frame_the_screen(make_app):
    app = make_app(ALLOWED_ORIGINS=["https://hall.example", "https://city.example"])
    with app.app_context():
        screen = app.test_client().get("/screen/current")
        citizen = app.test_client().get("/")
    assert _policy(screen)["frame-ancestors"] == "'self' https://hall.example https://city.example"
    assert "X-Frame-Options" not in screen.headers
    assert _policy(citizen)["frame-ancestors"] == "'none'"
    assert citizen.headers["X-Frame-Options"] == "DENY"


def test_no_template_has_inline_script_style_or_handler():
    templates = Path(__file__).resolve().parent.parent / "templates"
    for path in templates.rglob("*.html"):
        # Jinja comments are never sent.
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        for tag in re.findall(r"<script\b[^>]*>", text):
            # Either an external script or a JSON data block, which no browser executes.
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=", text), path
        assert "javascript:" not in text, path


def test_the_browser_cookie_is_signed(client, factory):
    live = factory.session(SessionStatus.LIVE)
    client.get(f"/api/v1/sessions/{live.id}/questions")
    client.post(f"/api/v1/sessions/{live.id}/questions", json={"text": "چرا آب قطع است؟"})
    cookie = client.get_cookie(CLIENT_COOKIE)
    identity = client_id_from_cookie(cookie.value)
    assert identity and len(identity) == 32
    assert cookie.value != identity
    # A browser that makes up its own identity (or tampers with one) is given a new one.
    forged = "0" * 32
    assert client_id_from_cookie(forged) is None
    assert client_id_from_cookie(forged + cookie.value[32:]) is None
    client.set_cookie(CLIENT_COOKIE, forged)
    client.post(f"/api/v1/sessions/{live.id}/questions", json={"text": "چرا برق قطع است؟"})
    renewed = client.get_cookie(CLIENT_COOKIE).value
    assert renewed != forged and client_id_from_cookie(renewed) not in (None, forged, identity)


def test_the_citizen_page_keeps_a_signed_browser_identity(client, factory):
    factory.session(SessionStatus.LIVE)
    client.get("/")
    first = client.get_cookie(CLIENT_COOKIE).value
    assert client_id_from_cookie(first)
    response = client.get("/")
    assert CLIENT_COOKIE not in response.headers.get("Set-Cookie", "")
    assert "<form" in html(response)


@pytest.fixture
def production_app(make_app, monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "production-test-secret")
    overrides = {
        key: getattr(ProductionConfig, key)
        for key in dir(ProductionConfig)
        if key.startswith(("SESSION_COOKIE_", "REMEMBER_COOKIE_"))
    }
    return make_app(**overrides)


def test_production_cookies_are_secure_and_host_prefixed(production_app):
    assert ProductionConfig.SESSION_COOKIE_NAME == "__Host-session"
    assert ProductionConfig.SESSION_COOKIE_PATH == "/"
    assert ProductionConfig.REMEMBER_COOKIE_NAME.startswith("__Host-")
    with production_app.app_context():
        factory = Factory()
        live = factory.session(SessionStatus.LIVE)
        user = factory.user("moderator")
        db.session.commit()
        live_id, username = live.id, user.username
    client = production_app.test_client()
    submitted = client.post(f"/api/v1/sessions/{live_id}/questions", json={"text": "چرا آب؟"})
    logged_in = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert (submitted.status_code, logged_in.status_code) == (201, 200)

    def cookie(response, name):
        return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "="))

    session_cookie = cookie(logged_in, "__Host-session")
    assert "Secure" in session_cookie and "Path=/" in session_cookie
    assert "Domain=" not in session_cookie and "HttpOnly" in session_cookie
    browser_cookie = cookie(submitted, CLIENT_COOKIE)
    assert "Secure" in browser_cookie and "HttpOnly" in browser_cookie


def test_development_cookies_are_not_secure(client, factory):
    live = factory.session(SessionStatus.LIVE)
    response = client.post(f"/api/v1/sessions/{live.id}/questions", json={"text": "چرا آب؟"})
    assert "Secure" not in response.headers["Set-Cookie"]

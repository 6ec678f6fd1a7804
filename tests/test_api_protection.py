"""Edge protections of the API: strict JSON, size, CSRF, rate limit, locale, no 500s."""

import pytest
from flask import session as flask_session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

from liveqa.domain.limits import SlidingWindowLimiter
from liveqa.extensions import db
from liveqa.models import Question, QuestionStatus, SessionStatus
from tests.conftest import (
    PASSWORD,
    Factory,
    FreshContextClient,
    login,
)

S = QuestionStatus


def _open_session_id(application) -> int:
    with application.app_context():
        return Factory().session(SessionStatus.OPEN).id


def _question_count(application) -> int:
    with application.app_context():
        return db.session.scalar(select(func.count(Question.id)))


def _client(application):
    return FreshContextClient(application, application.response_class, use_cookies=True)


# --- body parsing -------------------------------------------------------------------


@pytest.fixture
def open_session(factory):
    return factory.session(SessionStatus.OPEN)


def test_non_json_content_type_is_415(client, open_session):
    response = client.post(f"/api/v1/sessions/{open_session.id}/questions", data={"text": "سلام"})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert db.session.scalar(select(func.count(Question.id))) == 0


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[]", b'"text"', b"null", b"42", b'{"text": NaN}', b'{"text": "\xff"}'],
    ids=["truncated", "array", "string", "null", "number", "nan", "bad-utf8"],
)
def test_malformed_or_non_object_json_is_400(client, open_session, raw):
    response = client.post(
        f"/api/v1/sessions/{open_session.id}/questions",
        data=raw,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_body_over_max_content_length_is_413(app, client, open_session):
    text = "ا" * (app.config["MAX_CONTENT_LENGTH"] // 2 + 10)
    response = client.post(f"/api/v1/sessions/{open_session.id}/questions", json={"text": text})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_empty_body_counts_as_empty_object(client, open_session):
    response = client.post(f"/api/v1/sessions/{open_session.id}/questions")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "text"


# --- no 500 for garbage -------------------------------------------------------------

_VALID = (
    '"text": "ok", "name": "Ali", "reason": "off_topic", "kind": "written", '
    '"username": "root", "password": "wrong-password"'
)
GARBAGE = {
    "malformed": [
        b"{",
        b"[" * 50_000,
        b'{"a": ' * 50_000,
        b"\x00\x01\x02",
        b'{"text": "\xff\xfe"}',
    ],
    "wrong-types": [
        b'{"text": {"nested": [1]}, "name": 7, "phone": ["1"], "idempotency_key": {"k": 1},'
        b' "reason": ["off_topic"], "note": 5, "kind": {}, "follow_up_unit": [],'
        b' "follow_up_due": 20260101, "disposition": [null], "username": 1, "password": null}',
    ],
    "bad-ids": [
        (
            "{" + _VALID + f', "category_id": {bad}, "district_id": {bad}, "official_id": {bad},'
            f' "into": {bad}, "order": [{bad}], "follow_up_unit": "u", "follow_up_due": {bad},'
            f' "disposition": {bad}'
            "}"
        ).encode()
        for bad in ("1e400", "-1e400", str(2**70), "-1", "1.5", "[]", "{}", "true", '"x"')
    ],
    "bad-versions": [
        ("{" + _VALID + f', "version": {bad}' + "}").encode()
        for bad in ("1e400", str(2**70), "0", "1.5", '"one"', "[1]")
    ],
}


def _post_endpoints(app):
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and "POST" in rule.methods
    )


@pytest.mark.parametrize("kind", GARBAGE)
def test_garbage_never_gets_a_500(app, client, factory, kind):
    # A known user name keeps /auth/login off the slow unknown-user path.
    admin = factory.user("admin", username="root")
    live = factory.session(SessionStatus.LIVE)
    question = factory.question(live, S.ON_AIR)
    assert login(client, admin.username).status_code == 200
    endpoints = _post_endpoints(app)
    assert len(endpoints) == 21
    failures = []
    for rule in endpoints:
        path = rule.replace("<int:session_id>", str(live.id)).replace(
            "<int:question_id>", str(question.id)
        )
        for raw in GARBAGE[kind]:
            response = client.post(path, data=raw, content_type="application/json")
            body = response.get_json(silent=True) or {}
            if response.status_code >= 500 or not (response.status_code < 400 or "error" in body):
                failures.append((rule, raw[:60], response.status_code))
    assert failures == []


def test_huge_path_ids_are_404_not_500(client, factory):
    moderator = factory.user("moderator")
    login(client, moderator.username)
    huge = 10**25
    for path in (f"/api/v1/sessions/{huge}", f"/api/v1/sessions/{huge}/queue"):
        assert client.get(path).status_code == 404
    assert client.post(f"/api/v1/questions/{huge}/approve").status_code == 404


# --- CSRF ---------------------------------------------------------------------------


def _csrf_token(application, client) -> str:
    """Return a valid token for CLIENT, planting its secret in the client's session."""
    with application.test_request_context():
        token = generate_csrf()
        secret = flask_session["csrf_token"]
    with client.session_transaction() as stored:
        stored["csrf_token"] = secret
    return token


# Every state-changing rule of the app; the next test keeps this list complete.
STATE_CHANGING = [
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/totp/start"),
    ("POST", "/api/v1/auth/totp/confirm"),
    ("POST", "/api/v1/sessions/<int:session_id>/questions"),
    ("POST", "/api/v1/questions/<int:question_id>/support"),
    ("POST", "/api/v1/questions/<int:question_id>/approve"),
    ("POST", "/api/v1/questions/<int:question_id>/reject"),
    ("POST", "/api/v1/questions/<int:question_id>/edit"),
    ("POST", "/api/v1/questions/<int:question_id>/merge"),
    ("POST", "/api/v1/questions/<int:question_id>/classify"),
    ("POST", "/api/v1/questions/<int:question_id>/route"),
    ("POST", "/api/v1/questions/<int:question_id>/on-air"),
    ("POST", "/api/v1/questions/<int:question_id>/put-back"),
    ("POST", "/api/v1/questions/<int:question_id>/transfer"),
    ("POST", "/api/v1/questions/<int:question_id>/answer"),
    ("POST", "/api/v1/sessions/<int:session_id>/order"),
    ("POST", "/api/v1/sessions/<int:session_id>/operator-questions"),
    ("POST", "/api/v1/sessions/<int:session_id>/open"),
    ("POST", "/api/v1/sessions/<int:session_id>/start"),
    ("POST", "/api/v1/sessions/<int:session_id>/close"),
    ("POST", "/"),
    ("POST", "/support/<int:question_id>"),
    ("POST", "/login"),
    ("POST", "/login/code"),
    ("POST", "/logout"),
    ("POST", "/account/second-factor/start"),
    ("POST", "/account/second-factor"),
]
# A body that would do something at each kind of endpoint, were the token there.
FORM = {"text": "پرسش بدون توکن", "username": "root", "password": PASSWORD, "reason": "off_topic"}


def test_the_csrf_table_lists_every_state_changing_rule(app):
    found = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"GET", "HEAD", "OPTIONS"}
    }
    assert found == set(STATE_CHANGING)


def _database_rows(application) -> dict:
    with application.app_context():
        return {
            table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
            for table in db.metadata.sorted_tables
        }


@pytest.mark.parametrize(("method", "rule"), STATE_CHANGING, ids=[r for _m, r in STATE_CHANGING])
def test_state_changing_request_without_csrf_token_is_refused(make_app, method, rule):
    application = make_app(WTF_CSRF_ENABLED=True)
    with application.app_context():
        factory = Factory()
        factory.user("admin", username="root")
        live = factory.session(SessionStatus.LIVE)
        question = factory.question(live, S.ROUTED)
        path = rule.replace("<int:session_id>", str(live.id))
        path = path.replace("<int:question_id>", str(question.id))
    client = _client(application)
    token = _csrf_token(application, client)
    assert login(client, "root", headers={"X-CSRFToken": token}).status_code == 200
    before = _database_rows(application)

    if rule.startswith("/api/"):
        response = client.open(path, method=method, json=FORM)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "csrf_failed"
    else:
        response = client.open(path, method=method, data=FORM)
        assert response.status_code == 400
        assert response.mimetype == "text/html"
        assert 'data-code="csrf_failed"' in response.get_data(as_text=True)
    assert _database_rows(application) == before
    # The refused request did not log anyone out either.
    assert client.get("/api/v1/me").status_code == 200


def test_a_valid_csrf_token_lets_the_request_through(make_app):
    application = make_app(WTF_CSRF_ENABLED=True)
    session_id = _open_session_id(application)
    client = _client(application)
    url = f"/api/v1/sessions/{session_id}/questions"
    assert client.post(url, json={"text": "پرسش بدون توکن"}).status_code == 400
    assert client.post("/api/v1/auth/login", json={}).status_code == 400

    token = _csrf_token(application, client)
    response = client.post(url, json={"text": "پرسش با توکن"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert _question_count(application) == 1


# --- rate limit ---------------------------------------------------------------------


def test_submissions_over_the_rate_limit_get_429(make_app):
    application = make_app(SUBMIT_RATE_PER_MINUTE=2)
    session_id = _open_session_id(application)
    browser = _client(application)
    url = f"/api/v1/sessions/{session_id}/questions"

    codes = [browser.post(url, json={"text": f"پرسش {i}"}).status_code for i in range(3)]

    assert codes == [201, 201, 429]
    refused = browser.post(url, json={"text": "باز هم"})
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert _question_count(application) == 2
    # Another browser has its own allowance.
    assert _client(application).post(url, json={"text": "مرورگر دیگر"}).status_code == 201


def test_rate_limit_zero_disables_it(client, open_session):
    url = f"/api/v1/sessions/{open_session.id}/questions"
    codes = {client.post(url, json={"text": f"پرسش {i}"}).status_code for i in range(12)}
    assert codes == {201}


def test_sliding_window_frees_hits_as_they_age():
    now = [0.0]
    limiter = SlidingWindowLimiter(2, window=60, clock=lambda: now[0])
    assert limiter.hit("a") == 0
    now[0] = 20
    assert limiter.hit("a") == 0
    now[0] = 30
    assert limiter.hit("a") == pytest.approx(30)
    assert limiter.hit("b") == 0
    now[0] = 60.5
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == pytest.approx(19.5)


# --- locale and headers -------------------------------------------------------------


def test_messages_are_english_with_accept_language_en(client, open_session):
    url = f"/api/v1/sessions/{open_session.id}/questions"
    english = client.post(url, json={"text": " "}, headers={"Accept-Language": "en"})
    default = client.post(url, json={"text": " "})

    assert english.get_json()["error"]["message"] == "This field is required."
    assert english.headers["Content-Language"] == "en"
    assert default.headers["Content-Language"] == "fa"
    assert "Accept-Language" in default.headers["Vary"]


def test_default_locale_is_persian(app):
    with app.test_request_context("/api/v1/me"):
        assert get_locale().language == "fa"
    with app.test_request_context("/api/v1/me", headers={"Accept-Language": "en-GB"}):
        assert get_locale().language == "en"


def test_api_responses_are_not_cached(client, open_session):
    response = client.get(f"/api/v1/sessions/{open_session.id}/snapshot")
    assert response.status_code == 200
    assert response.cache_control.no_store

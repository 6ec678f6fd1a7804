"""Per-address ceilings: a browser that drops its cookies is still one address."""

import pytest
from sqlalchemy import func, select

from liveqa import address_limits
from liveqa.extensions import db
from liveqa.models import Question, QuestionStatus, SessionStatus
from tests.conftest import FreshContextClient, html

S = QuestionStatus
SUBMIT_CEILING, SUPPORT_CEILING = 15, 60  # config.py's defaults, per 10 seconds


@pytest.fixture
def app(make_app):
    """Return an app with the ceilings on (TestConfig turns them off for every other test)."""
    return make_app(ADDRESS_LIMITS_ENABLED=True)


def fresh_browser(app, address="203.0.113.7"):
    """Return a client without a cookie jar: every request is a new browser from ADDRESS."""
    browser = FreshContextClient(app, app.response_class, use_cookies=False)
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def count(model_column) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(model_column)))


def assert_refused(response):
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert "شبکهٔ شما" in error["message"]  # Persian by default, and not the browser's fault
    assert int(response.headers["Retry-After"]) >= 1
    assert error["details"]["retry_after"] == int(response.headers["Retry-After"])


def test_forty_submissions_from_one_address_with_fresh_cookies(app, factory):
    live_id = factory.session(SessionStatus.LIVE).id
    statuses = [
        fresh_browser(app)
        .post(f"/api/v1/sessions/{live_id}/questions", json={"text": f"پرسش {n}"})
        .status_code
        for n in range(40)
    ]
    assert statuses == [201] * SUBMIT_CEILING + [429] * (40 - SUBMIT_CEILING)
    assert count(Question.id) == SUBMIT_CEILING
    assert_refused(
        fresh_browser(app).post(f"/api/v1/sessions/{live_id}/questions", json={"text": "باز"})
    )
    assert count(Question.id) == SUBMIT_CEILING  # a refusal changes nothing


def test_150_supports_from_one_address_with_fresh_cookies(app, factory):
    question_id = factory.question(status=S.APPROVED).id
    db.session.commit()
    replies = [
        fresh_browser(app).post(f"/api/v1/questions/{question_id}/support", json={})
        for _ in range(150)
    ]
    assert [r.status_code for r in replies] == [201] * SUPPORT_CEILING + [429] * 90
    assert replies[SUPPORT_CEILING - 1].get_json()["support_count"] == SUPPORT_CEILING
    assert_refused(replies[-1])
    assert db.session.get(Question, question_id).support_count == SUPPORT_CEILING


def test_other_addresses_keep_their_own_ceiling(app, factory):
    question_id = factory.question(status=S.APPROVED).id
    db.session.commit()
    for _ in range(SUPPORT_CEILING):
        fresh_browser(app, "198.51.100.1").post(f"/api/v1/questions/{question_id}/support")
    over = fresh_browser(app, "198.51.100.1").post(f"/api/v1/questions/{question_id}/support")
    other = fresh_browser(app, "198.51.100.2").post(f"/api/v1/questions/{question_id}/support")
    assert (over.status_code, other.status_code) == (429, 201)


def test_the_form_and_the_api_share_one_submit_ceiling(app, factory):
    live_id = factory.session(SessionStatus.LIVE).id
    db.session.commit()
    for n in range(SUBMIT_CEILING):
        reply = fresh_browser(app).post("/", data={"text": f"پرسش فرم {n}"})
        assert reply.status_code == 303
    api = fresh_browser(app).post(f"/api/v1/sessions/{live_id}/questions", json={"text": "پرسش"})
    assert_refused(api)
    page = fresh_browser(app).post("/", data={"text": "پرسشی دیگر"})
    assert page.status_code == 429
    assert "شبکهٔ شما" in html(page)
    assert "Retry-After" in page.headers
    assert count(Question.id) == SUBMIT_CEILING


def test_supports_from_the_board_form_are_counted_too(make_app):
    app = make_app(ADDRESS_LIMITS_ENABLED=True, ADDRESS_LIMIT_SUPPORT="3 per minute")
    with app.app_context():
        from tests.factories import Factory

        question_id = Factory().question(status=S.APPROVED).id
        db.session.commit()
        statuses = [
            fresh_browser(app).post(f"/support/{question_id}").status_code for _ in range(5)
        ]
        assert statuses == [303, 303, 303, 429, 429]
        assert db.session.get(Question, question_id).support_count == 3


def test_tracking_lookups_have_a_ceiling(make_app):
    app = make_app(ADDRESS_LIMITS_ENABLED=True, ADDRESS_LIMIT_TRACK="2 per minute")
    with app.app_context():
        from tests.factories import Factory

        code = Factory().question(status=S.APPROVED).tracking_code
        db.session.commit()
        assert fresh_browser(app).get(f"/api/v1/questions/{code}").status_code == 200
        assert fresh_browser(app).get(f"/track/{code}").status_code == 200
        assert_refused(fresh_browser(app).get(f"/api/v1/questions/{code}"))
        assert fresh_browser(app).get(f"/track/{code}").status_code == 429


def test_an_empty_setting_leaves_that_endpoint_free(make_app):
    app = make_app(ADDRESS_LIMITS_ENABLED=True, ADDRESS_LIMIT_SUPPORT="")
    with app.app_context():
        from tests.factories import Factory

        question_id = Factory().question(status=S.APPROVED).id
        db.session.commit()
        replies = [
            fresh_browser(app).post(f"/api/v1/questions/{question_id}/support")
            for _ in range(SUPPORT_CEILING + 5)
        ]
        assert {r.status_code for r in replies} == {201}


def test_turned_off_no_ceiling_applies(make_app):
    app = make_app()  # TestConfig: ADDRESS_LIMITS_ENABLED = False, as the benchmark sets it
    assert address_limits.EXTENSION_KEY not in app.extensions
    with app.app_context():
        from tests.factories import Factory

        live_id = Factory().session(SessionStatus.LIVE).id
        db.session.commit()
        statuses = {
            fresh_browser(app)
            .post(f"/api/v1/sessions/{live_id}/questions", json={"text": f"پرسش {n}"})
            .status_code
            for n in range(SUBMIT_CEILING + 5)
        }
        assert statuses == {201}


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"SOCKETIO_MESSAGE_QUEUE": None}, "memory://"),
        ({"SOCKETIO_MESSAGE_QUEUE": "redis://10.0.0.5:6379/2"}, "redis://10.0.0.5:6379/2"),
        ({"SOCKETIO_MESSAGE_QUEUE": "kafka://k:9092"}, "memory://"),
        (
            {"SOCKETIO_MESSAGE_QUEUE": "redis://q/0", "RATELIMIT_STORAGE_URI": "redis://l/3"},
            "redis://l/3",
        ),
    ],
)
def test_counts_live_in_redis_when_the_app_has_one(settings, expected):
    assert address_limits.storage_uri(settings) == expected

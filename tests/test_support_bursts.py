"""Support bursts: many supports of one question from one address are flagged for staff."""

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from liveqa.domain import questions as verbs
from liveqa.domain.changes import pending_changes
from liveqa.extensions import db
from liveqa.models import Question, QuestionStatus, Support, utcnow
from liveqa.serializers import question_public, question_staff
from tests.conftest import FreshContextClient, login_as
from tests.factories import Factory

S = QuestionStatus
ADDRESS = "203.0.113.7"
BURST = 3


@pytest.fixture
def app(make_app):
    """Return an app flagging BURST supports from one address within a minute."""
    return make_app(SUPPORT_BURST_COUNT=BURST, SUPPORT_BURST_SECONDS=60)


def support_from(question, address, n):
    return verbs.support_question(question, f"browser-{address}-{n}", address)


def test_the_supports_that_reach_the_burst_flag_the_question_once(factory):
    question = factory.question(status=S.APPROVED)
    db.session.commit()
    done = [support_from(question, ADDRESS, n) for n in range(BURST + 2)]
    assert [d.flagged for d in done] == [False] * (BURST - 1) + [True, False, False]
    flags = [c for c in pending_changes(db.session) if c.kind == "question.support_burst"]
    assert [(c.question_id, c.session_id) for c in flags] == [(question.id, question.session_id)]
    db.session.commit()
    db.session.refresh(question)
    assert question.support_count == BURST + 2
    assert question.support_burst_at is not None
    assert question_staff(question)["support_burst"] is True
    assert "support_burst" not in question_public(question)


def test_supports_from_many_addresses_are_no_burst(factory):
    question = factory.question(status=S.APPROVED)
    for n in range(BURST * 3):
        assert not support_from(question, f"198.51.100.{n}", n).flagged
    db.session.commit()
    db.session.refresh(question)
    assert question_staff(question)["support_burst"] is False


def test_supports_spread_beyond_the_window_are_no_burst(factory):
    question = factory.question(status=S.APPROVED)
    long_ago = utcnow() - timedelta(seconds=61)
    hashed = verbs.address_hash(ADDRESS, utcnow().date())
    db.session.execute(
        insert(Support),
        [
            {"question_id": question.id, "client_id": f"old-{n}", "address_hash": hashed}
            | {"created_at": long_ago}
            for n in range(BURST)
        ],
    )
    assert not support_from(question, ADDRESS, 0).flagged
    db.session.commit()
    assert db.session.get(Question, question.id).support_burst_at is None


def test_supports_without_an_address_are_never_a_burst(factory):
    question = factory.question(status=S.APPROVED)
    for n in range(BURST + 1):
        assert not verbs.support_question(question, f"browser-{n}").flagged


def test_a_burst_count_of_zero_flags_nothing(make_app):
    app = make_app(SUPPORT_BURST_COUNT=0)
    with app.app_context():
        question = Factory().question(status=S.APPROVED)
        assert not any(support_from(question, ADDRESS, n).flagged for n in range(BURST + 2))


def test_the_address_is_stored_only_as_a_keyed_daily_hash(app, factory):
    question = factory.question(status=S.APPROVED)
    support_from(question, ADDRESS, 0)
    db.session.commit()
    stored = db.session.scalar(select(Support.address_hash))
    today = utcnow().date()
    assert stored == verbs.address_hash(ADDRESS, today)
    assert ADDRESS not in stored and len(stored) == 16
    # Another day, another key: stored hashes link an address only within one day.
    assert verbs.address_hash(ADDRESS, today + timedelta(days=1)) != stored
    with app.test_request_context():
        app.config["SECRET_KEY"] = "another-secret"
        # Keyed: without the secret key, hashing every address does not find this one.
        assert verbs.address_hash(ADDRESS, today) != stored
    assert verbs.address_hash("", date(2026, 1, 1)) is None


def test_the_staff_queue_serves_the_flag(app, factory):
    live = factory.session()
    question = factory.question(live, status=S.APPROVED)
    desk = FreshContextClient(app, app.response_class, use_cookies=True)
    login_as(desk, factory, "moderator")
    question_id, session_id = question.id, live.id
    for _ in range(BURST):
        # Fresh cookies each time, one address: a new browser per support.
        browser = FreshContextClient(app, app.response_class, use_cookies=False)
        browser.environ_base["REMOTE_ADDR"] = ADDRESS
        assert browser.post(f"/api/v1/questions/{question_id}/support").status_code == 201
    queue = desk.get(f"/api/v1/sessions/{session_id}/queue")
    assert queue.status_code == 200, queue.get_data(as_text=True)
    flags = {q["id"]: q["support_burst"] for q in queue.get_json()["questions"]}
    assert flags[question_id] is True

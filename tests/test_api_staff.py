"""Staff API: the queue, operators, sessions, and who may do what."""

import pytest
from sqlalchemy import event, select

from liveqa.extensions import db
from liveqa.models import (
    Channel,
    Question,
    QuestionStatus,
    SessionStatus,
)
from tests.conftest import login_as, question_state

S = QuestionStatus

TRIAGE = {"admin", "moderator"}
ANSWER = {"admin", "moderator", "official"}
DESK = {"admin", "moderator", "operator"}
ALL = {"admin", "moderator", "operator", "official"}
ENDPOINTS = [
    ("GET", "/sessions/{s}/queue", ALL),
    ("POST", "/questions/{q}/approve", TRIAGE),
    ("POST", "/questions/{q}/reject", TRIAGE),
    ("POST", "/questions/{q}/edit", TRIAGE),
    ("POST", "/questions/{q}/merge", TRIAGE),
    ("POST", "/questions/{q}/classify", TRIAGE),
    ("POST", "/questions/{q}/route", TRIAGE),
    ("POST", "/sessions/{s}/order", TRIAGE),
    ("POST", "/questions/{q}/on-air", ANSWER),
    ("POST", "/questions/{q}/put-back", ANSWER),
    ("POST", "/questions/{q}/transfer", ANSWER),
    ("POST", "/questions/{q}/answer", ANSWER),
    ("POST", "/sessions/{s}/operator-questions", DESK),
    ("POST", "/sessions/{s}/open", TRIAGE),
    ("POST", "/sessions/{s}/start", TRIAGE),
    ("POST", "/sessions/{s}/close", TRIAGE),
]
FORBIDDEN = [
    (method, path, role) for method, path, allowed in ENDPOINTS for role in sorted(ALL - allowed)
]


def _call(client, method, path, live_session, question, body=None):
    url = "/api/v1" + path.format(s=live_session.id, q=question.id)
    return client.open(url, method=method, json=body if method == "POST" else None)


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS, ids=[e[1] for e in ENDPOINTS])
def test_staff_endpoints_need_a_login(client, factory, live, method, path, allowed):
    question = factory.question(live, S.ROUTED)
    before = question_state(question)

    response = _call(client, method, path, live, question, {"text": "x", "reason": "other"})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "login_required"
    assert question_state(question) == before


@pytest.mark.parametrize(
    ("method", "path", "role"), FORBIDDEN, ids=[f"{p}-{r}" for _, p, r in FORBIDDEN]
)
def test_staff_endpoints_refuse_other_roles(client, factory, live, method, path, role):
    question = factory.question(live, S.ROUTED)
    login_as(client, factory, role)
    before = question_state(question)

    response = _call(client, method, path, live, question, {"text": "x", "reason": "other"})

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert question_state(question) == before


@pytest.mark.parametrize("path", ["/approve", "/on-air", "/answer"])
def test_unknown_question_is_404_for_staff(client, factory, path):
    login_as(client, factory, "admin")
    response = client.post(f"/api/v1/questions/4242{path}", json={})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_question"


def test_queue_is_the_staff_snapshot(client, factory, live):
    question = factory.question(live, S.SUBMITTED, asker_phone="09121234567")
    login_as(client, factory, "operator")

    body = client.get(f"/api/v1/sessions/{live.id}/queue").get_json()

    assert body["seq"] == body["session"]["seq"]
    [row] = body["questions"]
    assert row["tracking_code"] == question.tracking_code
    assert row["version"] == question.version
    assert row["asker_phone"] != "09121234567" and row["asker_phone"].endswith("67")


# --- operators and sessions ---------------------------------------------------------


def test_operator_enters_a_phoned_in_question(client, factory, live):
    operator = login_as(client, factory, "operator")
    url = f"/api/v1/sessions/{live.id}/operator-questions"

    response = client.post(
        url, json={"text": "از طریق ۱۳۷", "phone": "02532123456", "idempotency_key": "op-key-0001"}
    )
    replay = client.post(url, json={"text": "از طریق ۱۳۷", "idempotency_key": "op-key-0001"})

    assert (response.status_code, replay.status_code) == (201, 200)
    question = db.session.scalar(select(Question))
    assert (question.channel, question.entered_by_id) == (Channel.PHONE, operator.id)
    assert question.client_id is None


def test_open_start_close_a_session(client, factory):
    scheduled = factory.session(SessionStatus.SCHEDULED)
    login_as(client, factory, "moderator")
    url = f"/api/v1/sessions/{scheduled.id}"

    opened = client.post(url + "/open").get_json()["session"]
    reopened = client.post(url + "/open")
    started = client.post(url + "/start").get_json()["session"]
    closed = client.post(url + "/close", json={"disposition": "follow_up"}).get_json()

    assert opened["status"] == "open"
    assert (reopened.status_code, reopened.get_json()["error"]["code"]) == (
        409,
        "invalid_session_transition",
    )
    assert started["status"] == "live"
    assert closed["session"]["status"] == "closed"
    assert closed["summary"] == {
        "disposition": "follow_up",
        "questions": 0,
        "next_session_id": None,
    }


def test_close_with_an_unknown_disposition_is_422(client, factory, live):
    login_as(client, factory, "admin")
    response = client.post(f"/api/v1/sessions/{live.id}/close", json={"disposition": "bin"})
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "disposition")
    assert question_state(factory.question(live))[2] == SessionStatus.LIVE


def test_responses_are_built_before_the_commit(app, client, factory, live):
    # After the commit every attribute would reload; on PostgreSQL under eventlet that
    # query waits for the whole fan-out. So a command runs no query once it has committed.
    question = factory.question(live, S.SUBMITTED)
    login_as(client, factory, "moderator")
    db.session.commit()
    trail = []
    with app.app_context():
        engine = db.engine
    record_query = lambda *a, **k: trail.append("query")  # noqa: E731
    record_commit = lambda *a, **k: trail.append("commit")  # noqa: E731
    event.listen(engine, "before_cursor_execute", record_query)
    event.listen(engine, "commit", record_commit)
    try:
        response = client.post(f"/api/v1/questions/{question.id}/approve", json={})
    finally:
        event.remove(engine, "before_cursor_execute", record_query)
        event.remove(engine, "commit", record_commit)
    assert response.status_code == 200
    last_commit = len(trail) - 1 - trail[::-1].index("commit")
    assert "query" in trail[:last_commit]
    assert "query" not in trail[last_commit:]

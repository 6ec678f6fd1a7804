"""Staff API: the queue, triage, answering on air, sessions, and who may do what."""

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from liveqa.domain import questions as verbs
from liveqa.extensions import db
from liveqa.models import (
    AuditRecord,
    Channel,
    LiveSession,
    Question,
    QuestionStatus,
    SessionStatus,
)
from tests.conftest import login

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


@pytest.fixture
def live(factory):
    return factory.session(SessionStatus.LIVE)


def _as(client, factory, role):
    """Log CLIENT in as a new user with ROLE; return the user (an official's user too)."""
    user = factory.official().user if role == "official" else factory.user(role)
    assert login(client, user.username).status_code == 200
    return user


def _call(client, method, path, live_session, question, body=None):
    url = "/api/v1" + path.format(s=live_session.id, q=question.id)
    return client.open(url, method=method, json=body if method == "POST" else None)


def _state(question):
    db.session.expire_all()
    fresh = db.session.get(Question, question.id)
    session = db.session.get(LiveSession, fresh.session_id)
    return fresh.status, fresh.version, session.status, session.seq


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS, ids=[e[1] for e in ENDPOINTS])
def test_staff_endpoints_need_a_login(client, factory, live, method, path, allowed):
    question = factory.question(live, S.ROUTED)
    before = _state(question)

    response = _call(client, method, path, live, question, {"text": "x", "reason": "other"})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "login_required"
    assert _state(question) == before


@pytest.mark.parametrize(
    ("method", "path", "role"), FORBIDDEN, ids=[f"{p}-{r}" for _, p, r in FORBIDDEN]
)
def test_staff_endpoints_refuse_other_roles(client, factory, live, method, path, role):
    question = factory.question(live, S.ROUTED)
    _as(client, factory, role)
    before = _state(question)

    response = _call(client, method, path, live, question, {"text": "x", "reason": "other"})

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert _state(question) == before


@pytest.mark.parametrize("path", ["/approve", "/on-air", "/answer"])
def test_unknown_question_is_404_for_staff(client, factory, path):
    _as(client, factory, "admin")
    response = client.post(f"/api/v1/questions/4242{path}", json={})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_question"


def test_queue_is_the_staff_snapshot(client, factory, live):
    question = factory.question(live, S.SUBMITTED, asker_phone="09121234567")
    _as(client, factory, "operator")

    body = client.get(f"/api/v1/sessions/{live.id}/queue").get_json()

    assert body["seq"] == body["session"]["seq"]
    [row] = body["questions"]
    assert row["tracking_code"] == question.tracking_code
    assert row["version"] == question.version
    assert row["asker_phone"] != "09121234567" and row["asker_phone"].endswith("67")


# --- triage -------------------------------------------------------------------------


def test_approve_returns_the_staff_view_and_audits(client, factory, live):
    question = factory.question(live)
    moderator = _as(client, factory, "moderator")

    response = client.post(f"/api/v1/questions/{question.id}/approve", json={"version": 1})

    assert response.status_code == 200
    body = response.get_json()["question"]
    assert (body["status"], body["version"]) == ("approved", 2)
    audit = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "approved"))
    assert audit.actor_id == moderator.id


def test_stale_version_is_409_and_changes_nothing(app, client, factory, live):
    question = factory.question(live)
    _as(client, factory, "moderator")
    other = type(client)(app, app.response_class, use_cookies=True)
    _as(other, factory, "moderator")
    url = f"/api/v1/questions/{question.id}"

    assert client.post(url + "/approve", json={"version": 1}).status_code == 200
    late = other.post(url + "/reject", json={"reason": "off_topic", "version": 1})

    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "stale"
    assert late.get_json()["error"]["details"] == {"version": 2}
    assert _state(question)[:2] == (S.APPROVED, 2)


def test_illegal_transition_is_409(client, factory, live):
    question = factory.question(live, S.REJECTED)
    _as(client, factory, "moderator")

    response = client.post(f"/api/v1/questions/{question.id}/approve")

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["details"] == {"from": "rejected", "to": "approved"}
    # The message names the states in words, in the reader's language.
    assert "«پذیرفته نشد»" in error["message"] and "«تأیید شده»" in error["message"]
    english = client.post(
        f"/api/v1/questions/{question.id}/approve", headers={"Accept-Language": "en"}
    ).get_json()["error"]["message"]
    assert english == "A question that is Rejected cannot become Approved."


def test_illegal_session_move_is_409_in_words(client, factory):
    closed = factory.session(SessionStatus.CLOSED)
    _as(client, factory, "moderator")
    response = client.post(f"/api/v1/sessions/{closed.id}/start", headers={"Accept-Language": "en"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["message"] == "A session that is Closed cannot become Live."
    assert error["details"] == {"from": "closed", "to": "live"}


def test_reject_with_reason_and_note(client, factory, live):
    question = factory.question(live)
    _as(client, factory, "admin")
    url = f"/api/v1/questions/{question.id}/reject"

    bad = client.post(url, json={"reason": "boring"})
    good = client.post(url, json={"reason": "not_municipal", "note": "به اداره برق"})

    assert (bad.status_code, bad.get_json()["error"]["field"]) == (422, "reason")
    body = good.get_json()["question"]
    assert (body["status"], body["reject_reason"], body["reject_note"]) == (
        "rejected",
        "not_municipal",
        "به اداره برق",
    )


def test_edit_keeps_the_verbatim_text(client, factory, live):
    question = factory.question(live, text="خیابون خرابه")
    _as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/edit"

    assert client.post(url, json={"text": "  "}).status_code == 422
    body = client.post(url, json={"text": "خیابان خراب است"}).get_json()["question"]

    assert body["verbatim_text"] == "خیابون خرابه"
    assert body["edited_text"] == body["text"] == "خیابان خراب است"


def test_merge_into_another_question(client, factory, live):
    target = factory.question(live, S.APPROVED)
    question = factory.question(live)
    _as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/merge"

    for body, field in (({}, "into"), ({"into": 9999}, "into"), ({"into": "x"}, "into")):
        response = client.post(url, json=body)
        assert (response.status_code, response.get_json()["error"]["field"]) == (422, field)
    assert client.post(url, json={"into": question.id}).status_code == 422
    merged = client.post(url, json={"into": target.id}).get_json()["question"]

    assert (merged["status"], merged["merged_into_id"]) == ("merged", target.id)


def test_classify_keeps_a_field_left_out_and_clears_a_null(client, factory, live):
    question = factory.question(live)
    category = factory.category()
    district = factory.district()
    _as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/classify"

    client.post(url, json={"category_id": category.id})
    kept = client.post(url, json={"district_id": district.id}).get_json()["question"]
    cleared = client.post(url, json={"category_id": None}).get_json()["question"]
    unknown = client.post(url, json={"district_id": 999})

    assert (kept["category_id"], kept["district_id"]) == (category.id, district.id)
    assert (cleared["category_id"], cleared["district_id"]) == (None, district.id)
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["field"] == "district_id"


def test_route_to_an_official(client, factory, live):
    question = factory.question(live, S.APPROVED)
    official = factory.official()
    _as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/route"

    missing = client.post(url, json={"official_id": 999})
    routed = client.post(url, json={"official_id": official.id}).get_json()["question"]

    assert (missing.status_code, missing.get_json()["error"]["field"]) == (422, "official_id")
    assert (routed["status"], routed["official"]["id"]) == ("routed", official.id)


def test_reorder_the_queue(client, factory, live):
    first = factory.question(live, S.APPROVED)
    second = factory.question(live, S.SUBMITTED)
    done = factory.question(live, S.ANSWERED)
    _as(client, factory, "moderator")
    url = f"/api/v1/sessions/{live.id}/order"

    response = client.post(url, json={"order": [second.id, first.id]})
    refused = client.post(url, json={"order": [done.id]})

    assert response.status_code == 200
    positions = [(q["id"], q["position"]) for q in response.get_json()["questions"]]
    assert positions == [(second.id, 1), (first.id, 2)]
    assert refused.status_code == 422


def test_acting_right_after_a_reorder_is_not_stale(client, factory, live):
    first = factory.question(live, S.APPROVED)
    second = factory.question(live, S.SUBMITTED)
    official = factory.official()
    versions = {first.id: first.version, second.id: second.version}
    _as(client, factory, "moderator")
    order = client.post(f"/api/v1/sessions/{live.id}/order", json={"order": [second.id, first.id]})
    assert order.status_code == 200

    approved = client.post(
        f"/api/v1/questions/{second.id}/approve", json={"version": versions[second.id]}
    )
    routed = client.post(
        f"/api/v1/questions/{first.id}/route",
        json={"official_id": official.id, "version": versions[first.id]},
    )

    assert (approved.status_code, routed.status_code) == (200, 200), routed.get_json()
    assert approved.get_json()["question"]["status"] == "approved"
    assert routed.get_json()["question"]["position"] == 2


# --- on air -------------------------------------------------------------------------


def _routed_to(factory, live_session, official):
    question = factory.question(live_session, S.APPROVED)
    verbs.route_question(question, factory._staff, official.id)
    db.session.commit()
    return question


def test_official_takes_own_question_on_air_but_not_anothers(client, factory, live):
    mine = factory.official()
    theirs = factory.official()
    own = _routed_to(factory, live, mine)
    other = _routed_to(factory, live, theirs)
    login(client, mine.user.username)

    refused = client.post(f"/api/v1/questions/{other.id}/on-air")
    taken = client.post(f"/api/v1/questions/{own.id}/on-air")

    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "not_yours"
    assert taken.status_code == 200
    assert taken.get_json()["question"]["status"] == "on_air"


def test_only_one_question_on_air(client, factory, live):
    official = factory.official()
    first = _routed_to(factory, live, official)
    second = _routed_to(factory, live, official)
    _as(client, factory, "moderator")

    assert client.post(f"/api/v1/questions/{first.id}/on-air").status_code == 200
    response = client.post(f"/api/v1/questions/{second.id}/on-air")

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (error["code"], error["details"]) == ("another_on_air", {"question_id": first.id})


def test_on_air_needs_a_live_session(client, factory):
    open_session = factory.session(SessionStatus.OPEN)
    question = _routed_to(factory, open_session, factory.official())
    _as(client, factory, "moderator")
    response = client.post(f"/api/v1/questions/{question.id}/on-air")
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        409,
        "session_not_live",
    )


def test_put_back_and_transfer(client, factory, live):
    question = factory.question(live, S.ON_AIR)
    other = factory.official()
    _as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}"

    back = client.post(url + "/put-back").get_json()["question"]
    again = client.post(url + "/put-back")
    moved = client.post(url + "/transfer", json={"official_id": other.id})

    assert back["status"] == "routed"
    assert again.status_code == 409
    assert moved.get_json()["question"]["official_id"] == other.id


def test_answer_with_a_follow_up(client, factory, live):
    question = factory.question(live, S.ON_AIR)
    _as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/answer"
    due = (date.today() + timedelta(days=30)).isoformat()

    past = client.post(
        url,
        json={
            "kind": "verbal",
            "text": "پاسخ",
            "follow_up_unit": "منطقه ۳",
            "follow_up_due": "2000-01-01",
        },
    )
    half = client.post(url, json={"kind": "verbal", "text": "پاسخ", "follow_up_unit": "x"})
    bad_kind = client.post(url, json={"kind": "sung", "text": "پاسخ"})
    answered = client.post(
        url,
        json={
            "kind": "verbal",
            "text": "تا آخر ماه",
            "follow_up_unit": "منطقه ۳",
            "follow_up_due": due,
        },
    )

    assert (past.status_code, past.get_json()["error"]["field"]) == (422, "follow_up_due")
    assert (half.status_code, half.get_json()["error"]["field"]) == (422, "follow_up_due")
    assert (bad_kind.status_code, bad_kind.get_json()["error"]["field"]) == (422, "kind")
    body = answered.get_json()["question"]
    assert body["status"] == "answered"
    assert body["answer"]["text"] == "تا آخر ماه"
    assert body["answer"]["follow_up"]["due_on"] == due


# --- operators and sessions ---------------------------------------------------------


def test_operator_enters_a_phoned_in_question(client, factory, live):
    operator = _as(client, factory, "operator")
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
    _as(client, factory, "moderator")
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
    _as(client, factory, "admin")
    response = client.post(f"/api/v1/sessions/{live.id}/close", json={"disposition": "bin"})
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "disposition")
    assert _state(factory.question(live))[2] == SessionStatus.LIVE


def test_responses_are_built_before_the_commit(app, client, factory, live):
    # After the commit every attribute would reload; on PostgreSQL under eventlet that
    # query waits for the whole fan-out. So a command runs no query once it has committed.
    question = factory.question(live, S.SUBMITTED)
    _as(client, factory, "moderator")
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

"""Socket.IO tracking rooms: a tracked question hears its own story, and only that."""

from datetime import timedelta

import pytest

from liveqa.domain import questions as verbs
from liveqa.domain.sessions import close_session, open_session, start_session
from liveqa.extensions import db
from liveqa.models import LiveSession, Question, QuestionStatus, SessionStatus
from liveqa.serializers import public_snapshot
from tests.conftest import changes, connect, events, fresh, idle, join

S = QuestionStatus


def test_tracked_follows_a_question_and_the_one_it_was_merged_into(desk):
    moderator, official = desk["moderator"], desk["official"]
    asked, _ = verbs.submit_question(desk["live"], text="پرسش تکراری")
    target, _ = verbs.submit_question(desk["live"], text="پرسش اصلی")
    db.session.commit()
    asked_id, target_id = asked.id, target.id
    asked_code, target_code = asked.tracking_code, target.tracking_code
    citizen = connect(desk["clients"]["public"].app)
    bystander = connect(desk["clients"]["public"].app)
    idle()
    assert citizen.emit("track", {"code": asked_code}, callback=True)["ok"]
    assert bystander.emit("track", {"code": target_code}, callback=True)["ok"]

    verbs.approve_question(fresh(Question, target_id), moderator)
    db.session.commit()
    assert events(citizen, "tracked") == []
    assert [t["status"] for t in events(bystander, "tracked")] == ["approved"]

    verbs.merge_question(fresh(Question, asked_id), fresh(Question, target_id), moderator)
    db.session.commit()
    merged = events(citizen, "tracked")
    assert merged[-1]["tracking_code"] == asked_code
    assert merged[-1]["status"] == "merged"
    assert merged[-1]["merged_into"]["id"] == target_id

    verbs.route_question(fresh(Question, target_id), moderator, official.id)
    db.session.commit()
    verbs.take_on_air(fresh(Question, target_id), moderator)
    db.session.commit()
    verbs.answer_question(fresh(Question, target_id), moderator, kind="written", text="پاسخ شهردار")
    db.session.commit()

    received = events(citizen, "tracked")
    assert {t["tracking_code"] for t in received} == {asked_code}
    assert [t["effective_status"] for t in received] == ["routed", "on_air", "answered"]
    assert received[-1]["status"] == "merged"
    assert received[-1]["answer"]["text"] == "پاسخ شهردار"
    assert events(bystander, "tracked")[-1]["answer"]["text"] == "پاسخ شهردار"
    # Tracking rooms get the tracking view only, never board changes.
    assert events(citizen, "changes") == []


def track(app, code):
    """Return a Socket.IO client following the question with tracking CODE."""
    citizen = connect(app)
    idle()
    assert citizen.emit("track", {"code": code}, callback=True)["ok"]
    return citizen


@pytest.mark.parametrize(
    ("disposition", "status"),
    [("carry_over", "carried_over"), ("follow_up", "unanswered")],
)
def test_closing_a_session_tells_each_tracked_question_its_outcome(
    app, factory, disposition, status
):
    live = factory.session(SessionStatus.LIVE)
    factory.session(SessionStatus.SCHEDULED, starts_in=timedelta(days=7))
    question = factory.question(live, S.APPROVED)
    live_id = live.id
    moderator = factory.user("moderator")
    citizen = track(app, question.tracking_code)
    board = connect(app)
    join(board, live_id, "public")

    close_session(fresh(LiveSession, live_id), moderator, disposition)
    db.session.commit()

    [tracked] = events(citizen, "tracked")
    assert (tracked["status"], tracked["outcome"]) == (status, status)
    # Boards get one change, whatever the number of questions, and reload on it.
    assert [(c["kind"], c["question_id"]) for c in changes(board)] == [
        ("session.closed", None),
    ]


@pytest.mark.parametrize("verb", [open_session, start_session])
def test_the_next_session_tells_tracked_carried_questions_they_are_back(app, factory, verb):
    live = factory.session(SessionStatus.LIVE)
    following = factory.session(SessionStatus.SCHEDULED, starts_in=timedelta(days=7))
    question = factory.question(live, S.APPROVED)
    following_id, question_id = following.id, question.id
    moderator = factory.user("moderator")
    close_session(live, moderator)
    db.session.commit()
    citizen = track(app, question.tracking_code)
    board = connect(app)
    join(board, following_id, "public")

    verb(fresh(LiveSession, following_id), moderator)
    db.session.commit()

    [tracked] = events(citizen, "tracked")
    assert (tracked["status"], tracked["session_id"]) == ("approved", following_id)
    # The board reloads on the session's change and finds the question there.
    assert [(c["kind"], c["question_id"]) for c in changes(board)] == [
        (f"session.{'opened' if verb is open_session else 'live'}", None),
    ]
    assert question_id in {
        q["id"] for q in public_snapshot(fresh(LiveSession, following_id))["questions"]
    }

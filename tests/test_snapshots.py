"""Snapshots: a bounded number of queries however many questions, and a short cache."""

import pytest
from sqlalchemy import event

from liveqa import serializers
from liveqa.domain import questions as verbs
from liveqa.extensions import db
from liveqa.models import QuestionStatus, SessionStatus
from liveqa.serializers import public_snapshot, staff_snapshot


class QueryCounter:
    """Count the SQL statements the engine runs while active."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _count(self, *_args, **_kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def _queries(build, live_session, *, cold=True) -> int:
    if cold:
        db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        build(live_session)
    return counter.count


@pytest.fixture
def live(factory):
    return factory.session(SessionStatus.LIVE)


def _add_answered(factory, live_session, n):
    for _ in range(n):
        factory.question(live_session, status=QuestionStatus.APPROVED)
    # Answered questions carry an answer, an official and a follow-up: the costly rows.
    question = factory.question(live_session, status=QuestionStatus.APPROVED)
    official = factory.official()
    verbs.route_question(question, factory._staff, official.id)
    verbs.take_on_air(question, factory._staff)
    verbs.answer_question(
        question,
        factory._staff,
        kind="written",
        text="پاسخ",
        follow_up_unit="واحد",
        follow_up_due="2099-01-01",
    )
    db.session.commit()


@pytest.mark.parametrize("build", [public_snapshot, staff_snapshot])
def test_snapshot_queries_do_not_grow_with_the_questions(factory, live, build):
    _add_answered(factory, live, 2)
    few = _queries(build, live)
    _add_answered(factory, live, 12)
    many = _queries(build, live)
    assert many == few


def test_public_snapshot_is_shared_for_one_seq_and_rebuilt_after_a_change(app, factory, live):
    app.config["SNAPSHOT_CACHE_SECONDS"] = 60
    question = factory.question(live, status=QuestionStatus.SUBMITTED)
    first = public_snapshot(live)
    assert _queries(public_snapshot, live, cold=False) == 1  # only the seq is read
    verbs.approve_question(question, factory._staff)
    db.session.commit()
    after = public_snapshot(live)
    assert after["seq"] == first["seq"] + 1
    assert [q["id"] for q in after["questions"]] == [question.id]


def test_cache_off_rebuilds_every_time(app, factory, live):
    app.config["SNAPSHOT_CACHE_SECONDS"] = 0
    factory.question(live, status=QuestionStatus.APPROVED)
    public_snapshot(live)
    assert _queries(public_snapshot, live) > 1


def test_public_snapshot_expires_after_its_time(app, factory, live, monkeypatch):
    app.config["SNAPSHOT_CACHE_SECONDS"] = 1.0
    question = factory.question(live, status=QuestionStatus.APPROVED)
    clock = [1000.0]
    monkeypatch.setattr(serializers.time, "monotonic", lambda: clock[0])
    assert public_snapshot(live)["questions"][0]["support_count"] == 0
    # A support changes counts without a new seq: the cache may lag, but only briefly.
    verbs.support_question(question, "browser-1")
    db.session.commit()
    clock[0] += 0.5
    assert public_snapshot(live)["questions"][0]["support_count"] == 0
    clock[0] += 0.6
    assert public_snapshot(live)["questions"][0]["support_count"] == 1

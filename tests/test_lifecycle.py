"""The question lifecycle: the transition table, and every verb from every status."""

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import inspect

from liveqa.domain import questions as verbs
from liveqa.domain.errors import Conflict, InvalidTransition
from liveqa.domain.lifecycle import (
    FINISHED,
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    TRANSITIONS,
    can_transition,
    transition,
)
from liveqa.domain.permissions import VERBS, Verb
from liveqa.domain.sessions import close_session
from liveqa.extensions import db
from liveqa.models import Question, QuestionStatus, SessionStatus

S = QuestionStatus
ALL = list(S)
AT = datetime(2026, 2, 4, 14, 30, tzinfo=UTC)

# The lifecycle written out by hand, so that an accidental edit of TRANSITIONS fails here.
EXPECTED = {
    S.SUBMITTED: {S.APPROVED, S.REJECTED, S.MERGED, S.CARRIED_OVER, S.UNANSWERED},
    S.APPROVED: {S.ROUTED, S.REJECTED, S.MERGED, S.CARRIED_OVER, S.UNANSWERED},
    S.ROUTED: {S.ROUTED, S.ON_AIR, S.CARRIED_OVER, S.UNANSWERED},
    S.ON_AIR: {S.ANSWERED, S.ROUTED, S.CARRIED_OVER, S.UNANSWERED},
    S.CARRIED_OVER: {S.SUBMITTED, S.APPROVED},
    S.ANSWERED: set(),
    S.REJECTED: set(),
    S.MERGED: set(),
    S.UNANSWERED: set(),
}
STAMPS = {
    S.APPROVED: "approved_at",
    S.ROUTED: "routed_at",
    S.ON_AIR: "on_air_at",
    S.ANSWERED: "answered_at",
    S.REJECTED: "rejected_at",
    S.MERGED: "merged_at",
    S.CARRIED_OVER: "closed_at",
    S.UNANSWERED: "closed_at",
}
PAIRS = list(product(ALL, ALL))


def _pair_id(pair):
    return f"{pair[0].value}->{pair[1].value}"


def test_table_is_the_documented_lifecycle():
    assert set(TRANSITIONS) == set(S)
    assert {k: set(v) for k, v in TRANSITIONS.items()} == EXPECTED


def test_derived_status_sets():
    assert {S.ANSWERED, S.REJECTED, S.MERGED, S.UNANSWERED, S.CARRIED_OVER} == FINISHED
    assert {S.SUBMITTED, S.APPROVED, S.ROUTED, S.ON_AIR} == OPEN_STATUSES
    assert {S.APPROVED, S.ROUTED, S.ON_AIR, S.ANSWERED} == PUBLIC_STATUSES
    # Every unfinished status can be closed out at the end of a session.
    for status in OPEN_STATUSES:
        assert {S.CARRIED_OVER, S.UNANSWERED} <= TRANSITIONS[status]


def _transient(status):
    return Question(status=status, text="پرسش", session_id=1, tracking_code="12345674")


def _stamps(question):
    return {name: getattr(question, name) for name in set(STAMPS.values())}


@pytest.mark.parametrize("pair", PAIRS, ids=[_pair_id(p) for p in PAIRS])
def test_transition_follows_the_table(pair):
    current, target = pair
    question = _transient(current)
    if target in TRANSITIONS[current]:
        assert can_transition(current, target)
        transition(question, target, AT)
        assert question.status == target
        if target in STAMPS:
            assert getattr(question, STAMPS[target]) == AT
        others = {n: v for n, v in _stamps(question).items() if n != STAMPS.get(target)}
        assert set(others.values()) == {None}
    else:
        assert not can_transition(current, target)
        with pytest.raises(InvalidTransition) as caught:
            transition(question, target, AT)
        assert caught.value.status == 409
        assert caught.value.code == "invalid_transition"
        assert caught.value.details == {"from": current.value, "to": target.value}
        assert question.status == current
        assert set(_stamps(question).values()) == {None}


def test_transition_accepts_status_given_as_plain_string():
    question = _transient("approved")
    transition(question, S.ROUTED, AT)
    assert question.status == S.ROUTED


# --- Every verb against every starting status, reached through the real verbs. ---
# The allowed statuses are read from the verb table (tests/test_permissions.py pins the table).


def make(factory, status, live=None):
    """Return a question of a live session in STATUS, reached through real verbs."""
    live = live or factory.session(SessionStatus.LIVE)
    staff = factory._staff
    if status in (S.SUBMITTED, S.APPROVED, S.ROUTED, S.ON_AIR, S.ANSWERED, S.REJECTED):
        return factory.question(live, status)
    if status == S.MERGED:
        target = factory.question(live, S.APPROVED)
        question = factory.question(live, S.SUBMITTED)
        verbs.merge_question(question, target, staff)
    elif status == S.CARRIED_OVER:
        question = factory.question(live, S.APPROVED)
        factory.session(SessionStatus.SCHEDULED, starts_in=timedelta(days=7))
        close_session(live, staff)
    else:
        question = factory.question(live, S.APPROVED)
        close_session(live, staff, "follow_up")
    db.session.commit()
    assert question.status == status
    return question


def snapshot(question):
    """Return every column of QUESTION as loaded in memory."""
    return {attr.key: getattr(question, attr.key) for attr in inspect(Question).column_attrs}


def _check(verb, factory, status, allowed, *, expect=None):
    """Run VERB on a question in STATUS: it must succeed iff STATUS is in ALLOWED."""
    question = make(factory, status)
    before = snapshot(question)
    if status in allowed:
        verb(question)
        db.session.commit()
        if expect is not None:
            assert question.status == expect
        assert question.version > before["version"]
    else:
        with pytest.raises(Conflict):
            verb(question)
        # A refused verb leaves the question exactly as it was, even before any rollback.
        assert snapshot(question) == before
    return question


@pytest.mark.parametrize("status", ALL)
def test_approve_only_from_submitted(factory, status):
    question = _check(
        lambda q: verbs.approve_question(q, factory._staff),
        factory,
        status,
        VERBS[Verb.APPROVE].starts,
        expect=S.APPROVED,
    )
    if status == S.SUBMITTED:
        assert question.approved_at is not None


@pytest.mark.parametrize("status", ALL)
def test_reject_from_submitted_or_approved(factory, status):
    question = _check(
        lambda q: verbs.reject_question(q, factory._staff, "duplicate", "See question 12"),
        factory,
        status,
        VERBS[Verb.REJECT].starts,
        expect=S.REJECTED,
    )
    if status in (S.SUBMITTED, S.APPROVED):
        assert question.reject_note == "See question 12"
        assert question.rejected_at is not None


@pytest.mark.parametrize("status", ALL)
def test_merge_from_submitted_or_approved(factory, status):
    live = factory.session(SessionStatus.LIVE)
    # An answered target stays a valid target whatever happens to the session later.
    target = factory.question(live, S.ANSWERED)
    question = make(factory, status, live)
    before = snapshot(question)
    if status in VERBS[Verb.MERGE].starts:
        verbs.merge_question(question, target, factory._staff)
        db.session.commit()
        assert question.status == S.MERGED
        assert question.merged_into_id == target.id
    else:
        with pytest.raises(Conflict):
            verbs.merge_question(question, target, factory._staff)
        assert snapshot(question) == before


@pytest.mark.parametrize("status", ALL)
def test_route_from_approved_or_re_route_from_routed(factory, status):
    def route(q):
        verbs.route_question(q, factory._staff, factory.official().id)

    question = _check(route, factory, status, VERBS[Verb.ROUTE].starts, expect=S.ROUTED)
    if status in (S.APPROVED, S.ROUTED):
        assert question.routed_at is not None


@pytest.mark.parametrize("status", ALL)
def test_transfer_from_routed_or_on_air(factory, status):
    def transfer(q):
        verbs.transfer_question(q, factory._staff, factory.official().id)

    _check(transfer, factory, status, VERBS[Verb.TRANSFER].starts, expect=S.ROUTED)


@pytest.mark.parametrize("status", ALL)
def test_take_on_air_only_from_routed(factory, status):
    question = _check(
        lambda q: verbs.take_on_air(q, factory._staff),
        factory,
        status,
        VERBS[Verb.ON_AIR].starts,
        expect=S.ON_AIR,
    )
    if status == S.ROUTED:
        assert question.on_air_at is not None


def test_take_on_air_only_while_the_session_is_live(factory):
    live = factory.session(SessionStatus.LIVE)
    question = factory.question(live, S.ROUTED)
    live.status = SessionStatus.OPEN
    db.session.commit()
    before = snapshot(question)
    with pytest.raises(Conflict) as caught:
        verbs.take_on_air(question, factory._staff)
    assert caught.value.code == "session_not_live"
    assert snapshot(question) == before


@pytest.mark.parametrize("status", ALL)
def test_answer_only_from_on_air(factory, status):
    question = _check(
        lambda q: verbs.answer_question(q, factory._staff, kind="verbal", text="Next week."),
        factory,
        status,
        VERBS[Verb.ANSWER].starts,
        expect=S.ANSWERED,
    )
    if status == S.ON_AIR:
        assert question.answered_at is not None
        assert question.answer.text == "Next week."


@pytest.mark.parametrize("status", ALL)
def test_put_back_only_from_on_air(factory, status):
    question = _check(
        lambda q: verbs.put_back_question(q, factory._staff),
        factory,
        status,
        VERBS[Verb.PUT_BACK].starts,
        expect=S.ROUTED,
    )
    if status == S.ON_AIR:
        assert question.official_id is not None


@pytest.mark.parametrize("status", ALL)
def test_edit_only_while_unfinished(factory, status):
    question = _check(
        lambda q: verbs.edit_question(q, factory._staff, "Edited wording"),
        factory,
        status,
        VERBS[Verb.EDIT].starts,
        expect=status,
    )
    if status in OPEN_STATUSES:
        assert question.display_text == "Edited wording"


@pytest.mark.parametrize("status", ALL)
def test_classify_only_while_unfinished(factory, status):
    category = factory.category()
    question = _check(
        lambda q: verbs.classify_question(q, factory._staff, category_id=category.id),
        factory,
        status,
        VERBS[Verb.CLASSIFY].starts,
        expect=status,
    )
    if status in OPEN_STATUSES:
        assert question.category_id == category.id


@pytest.mark.parametrize("status", ALL)
def test_support_only_while_on_the_public_queue(factory, status):
    question = make(factory, status)
    if status in VERBS[Verb.SUPPORT].starts:
        verbs.support_question(question, "browser-1")
        db.session.commit()
        assert question.support_count == 1
    else:
        with pytest.raises(Conflict) as caught:
            verbs.support_question(question, "browser-1")
        assert caught.value.code == "not_supportable"
        assert question.support_count == 0

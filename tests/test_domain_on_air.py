"""Question verbs on air: one at a time, officials' own questions, answers and follow-ups."""

from datetime import date

import pytest
from sqlalchemy import func, select

from liveqa.domain import questions as verbs
from liveqa.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationError
from liveqa.extensions import db
from liveqa.models import (
    FollowUp,
    QuestionStatus,
    SessionStatus,
)

S = QuestionStatus


# --- On air ---


def test_only_one_question_on_air_per_session(factory, live, mod):
    first = factory.question(live, S.ROUTED)
    second = factory.question(live, S.ROUTED)
    verbs.take_on_air(first, mod)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        verbs.take_on_air(second, mod)
    assert caught.value.code == "another_on_air"
    assert caught.value.details == {"question_id": first.id}
    assert second.status == S.ROUTED
    # Another session's screen is independent.
    other = factory.question(factory.session(SessionStatus.LIVE), S.ROUTED)
    verbs.take_on_air(other, mod)
    db.session.commit()
    # Once the first is put back, the second may go on air.
    verbs.put_back_question(first, mod)
    verbs.take_on_air(second, mod)
    db.session.commit()
    assert (first.status, second.status) == (S.ROUTED, S.ON_AIR)


def _official_user(question):
    return question.official.user


@pytest.mark.parametrize(
    ("start", "call"),
    [
        (S.ROUTED, lambda q, u: verbs.take_on_air(q, u)),
        (S.ON_AIR, lambda q, u: verbs.answer_question(q, u, kind="written", text="پاسخ")),
        (S.ON_AIR, lambda q, u: verbs.put_back_question(q, u)),
    ],
    ids=["on_air", "answer", "put_back"],
)
def test_an_official_acts_only_on_their_own_question(factory, live, start, call):
    question = factory.question(live, start)
    before = question.status
    stranger = factory.official().user
    operator = factory.user("operator")
    for intruder in (stranger, operator):
        with pytest.raises(Forbidden) as caught:
            call(question, intruder)
        assert caught.value.code == "not_yours"
        assert caught.value.status == 403
    assert question.status == before
    call(question, _official_user(question))
    db.session.commit()
    assert question.status != before


def test_official_may_take_their_own_question_on_air_but_not_anothers(factory, live):
    mine = factory.question(live, S.ROUTED)
    theirs = factory.question(live, S.ROUTED)
    me = _official_user(mine)
    with pytest.raises(Forbidden):
        verbs.take_on_air(theirs, me)
    assert theirs.status == S.ROUTED
    verbs.take_on_air(mine, me)
    db.session.commit()
    assert mine.status == S.ON_AIR


def test_official_may_transfer_their_own_question_only(factory, live):
    mine = factory.question(live, S.ROUTED)
    theirs = factory.question(live, S.ROUTED)
    me = _official_user(mine)
    colleague = factory.official()
    with pytest.raises(Forbidden):
        verbs.transfer_question(theirs, me, colleague.id)
    verbs.transfer_question(mine, me, colleague.id)
    db.session.commit()
    assert mine.official_id == colleague.id
    with pytest.raises(Conflict) as caught:
        verbs.transfer_question(mine, colleague.user, colleague.id)
    assert caught.value.code == "same_official"


@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_moderators_and_admins_may_act_on_any_question(factory, live, role):
    staff = factory.user(role)
    question = factory.question(live, S.ROUTED)
    verbs.take_on_air(question, staff)
    verbs.put_back_question(question, staff)
    verbs.take_on_air(question, staff)
    verbs.answer_question(question, staff, kind="verbal", text="پاسخ")
    db.session.commit()
    assert question.status == S.ANSWERED
    # The answer is the routed official's, whoever typed it.
    assert question.answer.official_id == question.official_id


# --- Answers and follow-ups ---


@pytest.fixture
def on_air(factory, live):
    return factory.question(live, S.ON_AIR)


def test_answer_stores_the_answer(on_air, mod):
    verbs.answer_question(on_air, mod, kind="written", text="  پاسخ مکتوب  ")
    db.session.commit()
    assert on_air.status == S.ANSWERED
    assert on_air.answer.kind.value == "written"
    assert on_air.answer.text == "پاسخ مکتوب"
    assert on_air.follow_ups == []


def test_answer_with_a_follow_up_stores_it(on_air, mod):
    today = date(2026, 2, 4)
    verbs.answer_question(
        on_air,
        mod,
        kind="verbal",
        text="پیگیری می‌شود",
        follow_up_unit="معاونت عمران",
        follow_up_due="۲۰۲۶-۰۲-۱۱",
        today=today,
    )
    db.session.commit()
    [follow_up] = on_air.follow_ups
    assert follow_up.responsible_unit == "معاونت عمران"
    assert follow_up.due_on == date(2026, 2, 11)
    assert follow_up.answer_id == on_air.answer.id
    assert follow_up.status.value == "open"


def test_a_follow_up_due_today_is_allowed(on_air, mod):
    today = date(2026, 2, 4)
    verbs.answer_question(
        on_air, mod, kind="verbal", text="x", follow_up_unit="u", follow_up_due=today, today=today
    )
    db.session.commit()
    assert on_air.follow_ups[0].due_on == today


@pytest.mark.parametrize(
    ("unit", "due", "field", "code"),
    [
        ("معاونت عمران", None, "follow_up_due", "follow_up_incomplete"),
        (None, "2026-02-11", "follow_up_unit", "follow_up_incomplete"),
        ("  ", "2026-02-11", "follow_up_unit", "follow_up_incomplete"),
        ("معاونت عمران", "2026-02-03", "follow_up_due", "due_in_past"),
        ("معاونت عمران", "11/02/2026", "follow_up_due", "invalid_date"),
        ("ن" * 201, "2026-02-11", "follow_up_unit", "too_long"),
    ],
)
def test_answer_refuses_an_incomplete_or_past_follow_up(on_air, mod, unit, due, field, code):
    with pytest.raises(ValidationError) as caught:
        verbs.answer_question(
            on_air,
            mod,
            kind="written",
            text="پاسخ",
            follow_up_unit=unit,
            follow_up_due=due,
            today=date(2026, 2, 4),
        )
    assert (caught.value.field, caught.value.code) == (field, code)
    assert on_air.status == S.ON_AIR
    assert on_air.answer is None
    assert db.session.scalar(select(func.count(FollowUp.id))) == 0


@pytest.mark.parametrize(
    ("kind", "text", "field"), [("sung", "پاسخ", "kind"), ("written", " ", "text")]
)
def test_answer_needs_a_kind_and_text(on_air, mod, kind, text, field):
    with pytest.raises(ValidationError) as caught:
        verbs.answer_question(on_air, mod, kind=kind, text=text)
    assert caught.value.field == field


def test_answer_needs_the_question_on_air(factory, mod):
    question = factory.question(status=S.ROUTED)
    with pytest.raises(InvalidTransition):
        verbs.answer_question(question, mod, kind="written", text="پاسخ")
    assert question.answer is None

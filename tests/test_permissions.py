"""The verb table and the permission predicates: who may do what, from which status."""

from itertools import product

import pytest

from liveqa.domain import questions as verbs
from liveqa.domain.errors import Forbidden
from liveqa.domain.lifecycle import OPEN_STATUSES, SESSION_TRANSITIONS, SESSION_VERBS, TRANSITIONS
from liveqa.domain.permissions import (
    MERGE_INTO,
    VERBS,
    Verb,
    audience,
    can_perform,
    question_actions,
    session_actions,
)
from liveqa.domain.sessions import close_session, open_session, start_session
from liveqa.extensions import db
from liveqa.models import QuestionStatus, Role, SessionStatus
from tests.test_lifecycle import make, snapshot

S = QuestionStatus
R = Role
TRIAGE = {R.ADMIN, R.MODERATOR}
ON_AIR = {R.ADMIN, R.MODERATOR, R.OFFICIAL}

# The verb table written out by hand: an accidental edit of VERBS fails here.
# verb -> (statuses it starts from, status it leads to, roles, officials only on their own)
EXPECTED = {
    Verb.APPROVE: ({S.SUBMITTED}, S.APPROVED, TRIAGE, False),
    Verb.REJECT: ({S.SUBMITTED, S.APPROVED}, S.REJECTED, TRIAGE, False),
    Verb.EDIT: (set(OPEN_STATUSES), None, TRIAGE, False),
    Verb.CLASSIFY: (set(OPEN_STATUSES), None, TRIAGE, False),
    Verb.MERGE: ({S.SUBMITTED, S.APPROVED}, S.MERGED, TRIAGE, False),
    Verb.ROUTE: ({S.APPROVED, S.ROUTED}, S.ROUTED, TRIAGE, False),
    Verb.REORDER: (set(OPEN_STATUSES), None, TRIAGE, False),
    Verb.TRANSFER: ({S.ROUTED, S.ON_AIR}, S.ROUTED, ON_AIR, True),
    Verb.PUT_BACK: ({S.ON_AIR}, S.ROUTED, ON_AIR, True),
    Verb.ON_AIR: ({S.ROUTED}, S.ON_AIR, ON_AIR, True),
    Verb.ANSWER: ({S.ON_AIR}, S.ANSWERED, ON_AIR, True),
    Verb.SUPPORT: ({S.APPROVED, S.ROUTED, S.ON_AIR}, None, set(), False),
}


def test_verb_table_is_the_documented_one():
    assert set(VERBS) == set(Verb)
    actual = {
        verb: (set(rule.starts), rule.leads_to, set(rule.roles), rule.own_only)
        for verb, rule in VERBS.items()
    }
    assert actual == EXPECTED


@pytest.mark.parametrize("verb", list(Verb))
def test_every_verb_moves_only_as_the_transition_table_allows(verb):
    rule = VERBS[verb]
    for status in rule.starts:
        if rule.leads_to is None:
            assert status in OPEN_STATUSES
        else:
            assert rule.leads_to in TRANSITIONS[status], (status, rule.leads_to)


def test_merge_targets_are_open_or_answered():
    assert set(MERGE_INTO) == set(OPEN_STATUSES) | {S.ANSWERED}


# Each verb run for real, by an actor of any role, on a question in any status.
RUN = {
    Verb.APPROVE: lambda f, q, who: verbs.approve_question(q, who),
    Verb.REJECT: lambda f, q, who: verbs.reject_question(q, who, "unclear"),
    Verb.EDIT: lambda f, q, who: verbs.edit_question(q, who, "Edited wording"),
    Verb.CLASSIFY: lambda f, q, who: verbs.classify_question(q, who, category_id=f.category().id),
    Verb.MERGE: lambda f, q, who: verbs.merge_question(q, f.question(q.session), who),
    Verb.ROUTE: lambda f, q, who: verbs.route_question(q, who, f.official().id),
    Verb.REORDER: lambda f, q, who: verbs.reorder_queue(q.session, who, [q.id]),
    Verb.TRANSFER: lambda f, q, who: verbs.transfer_question(q, who, f.official().id),
    Verb.PUT_BACK: lambda f, q, who: verbs.put_back_question(q, who),
    Verb.ON_AIR: lambda f, q, who: verbs.take_on_air(q, who),
    Verb.ANSWER: lambda f, q, who: verbs.answer_question(q, who, kind="written", text="پاسخ"),
}
STAFF_VERBS = list(RUN)


def _actor(factory, role, question):
    """Return a user of ROLE; an official is the question's own one when it has one."""
    if role == R.OFFICIAL and question.official is not None:
        return question.official.user
    if role == R.OFFICIAL:
        return factory.official().user
    return factory.user(role.value)


@pytest.mark.parametrize(("verb", "role"), list(product(STAFF_VERBS, list(Role))))
def test_domain_verbs_refuse_roles_the_table_does_not_name(factory, verb, role):
    status = next(iter(sorted(VERBS[verb].starts)))
    question = make(factory, status)
    who = _actor(factory, role, question)
    if role in VERBS[verb].roles:
        RUN[verb](factory, question, who)
        db.session.commit()
    else:
        before = snapshot(question)
        with pytest.raises(Forbidden):
            RUN[verb](factory, question, who)
        assert snapshot(question) == before


@pytest.mark.parametrize("verb", [v for v in STAFF_VERBS if VERBS[v].own_only])
def test_an_official_acts_only_on_their_own_questions(factory, verb):
    status = next(iter(sorted(VERBS[verb].starts)))
    question = make(factory, status)
    stranger = factory.official().user
    before = snapshot(question)
    with pytest.raises(Forbidden) as caught:
        RUN[verb](factory, question, stranger)
    assert caught.value.code == "not_yours"
    assert snapshot(question) == before
    assert not can_perform(stranger, verb, question)
    assert can_perform(question.official.user, verb, question)


@pytest.mark.parametrize("status", list(S))
def test_actions_list_what_each_audience_may_do_now(factory, status):
    question = make(factory, status)
    actions = question_actions(question)
    for role in (R.ADMIN, R.MODERATOR, R.OPERATOR):
        expected = [
            v.value for v, rule in VERBS.items() if status in rule.starts and role in rule.roles
        ]
        assert actions[role.value] == expected
        assert actions[audience(factory.user(role.value))] == expected
    own = [f"official:{question.official_id}"] if question.official_id else []
    assert [k for k in actions if k.startswith("official:")] == own
    if own:
        expected = [
            v.value
            for v, rule in VERBS.items()
            if status in rule.starts and R.OFFICIAL in rule.roles
        ]
        assert actions[own[0]] == expected
        assert audience(question.official.user) == own[0]


@pytest.mark.parametrize("status", list(SessionStatus))
def test_session_actions_follow_the_session_table(factory, status):
    live = factory.session(status)
    actions = session_actions(live)
    allowed = [v for v, target in SESSION_VERBS.items() if target in SESSION_TRANSITIONS[status]]
    assert actions["admin"] == actions["moderator"] == allowed
    assert actions["operator"] == actions["official"] == []


SESSION_RUN = {
    "open": (SessionStatus.SCHEDULED, open_session),
    "start": (SessionStatus.OPEN, start_session),
    "close": (SessionStatus.LIVE, close_session),
}


@pytest.mark.parametrize(("verb", "role"), list(product(SESSION_RUN, list(Role))))
def test_session_verbs_refuse_roles_that_may_not_run_sessions(factory, verb, role):
    status, run = SESSION_RUN[verb]
    live = factory.session(status)
    who = factory.official().user if role == R.OFFICIAL else factory.user(role.value)
    if role in TRIAGE:
        run(live, who)
        db.session.commit()
        assert live.status != status
    else:
        with pytest.raises(Forbidden):
            run(live, who)
        assert live.status == status
        assert live.seq == 0

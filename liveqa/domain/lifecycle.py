"""The lifecycles: the question's and the session's transition tables, enforced here."""

from datetime import datetime

from liveqa.domain.errors import InvalidTransition
from liveqa.domain.labels import QUESTION_STATUS
from liveqa.models import LiveSession, Question, QuestionStatus, SessionStatus

S = QuestionStatus
SS = SessionStatus

# Every move a question may make. Anything not listed here is refused.
TRANSITIONS: dict[QuestionStatus, frozenset[QuestionStatus]] = {
    S.SUBMITTED: frozenset({S.APPROVED, S.REJECTED, S.MERGED, S.CARRIED_OVER, S.UNANSWERED}),
    S.APPROVED: frozenset({S.ROUTED, S.REJECTED, S.MERGED, S.CARRIED_OVER, S.UNANSWERED}),
    # routed -> routed is a transfer to another official.
    S.ROUTED: frozenset({S.ROUTED, S.ON_AIR, S.CARRIED_OVER, S.UNANSWERED}),
    # on_air -> routed puts the question back (or transfers it).
    S.ON_AIR: frozenset({S.ANSWERED, S.ROUTED, S.CARRIED_OVER, S.UNANSWERED}),
    # A carried-over question re-enters the queue when the next session opens.
    S.CARRIED_OVER: frozenset({S.SUBMITTED, S.APPROVED}),
    S.ANSWERED: frozenset(),
    S.REJECTED: frozenset(),
    S.MERGED: frozenset(),
    S.UNANSWERED: frozenset(),
}

# Every move a session may make; the session verbs named by the status they lead to.
SESSION_TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    SS.SCHEDULED: frozenset({SS.OPEN, SS.LIVE}),
    SS.OPEN: frozenset({SS.LIVE, SS.CLOSED}),
    SS.LIVE: frozenset({SS.CLOSED}),
    SS.CLOSED: frozenset(),
}
SESSION_VERBS = {"open": SS.OPEN, "start": SS.LIVE, "close": SS.CLOSED}
# The session statuses in which citizens and operators may send questions.
ACCEPTING_QUESTIONS = frozenset({SS.OPEN, SS.LIVE})

FINISHED = frozenset(s for s, targets in TRANSITIONS.items() if not targets) | {S.CARRIED_OVER}
OPEN_STATUSES = frozenset(S) - FINISHED
PUBLIC_STATUSES = frozenset({S.APPROVED, S.ROUTED, S.ON_AIR, S.ANSWERED})


def on_public_board(was: QuestionStatus | None, now: QuestionStatus) -> bool:
    """Return whether a move WAS -> NOW (WAS None: a new question) alters the public board."""
    return was in PUBLIC_STATUSES or now in PUBLIC_STATUSES


def moves_counters(was: QuestionStatus | None, now: QuestionStatus) -> bool:
    """Return whether a move WAS -> NOW may alter the session's counters (serializers.counters)."""
    # Counters count every question, the answered ones and the open (waiting) ones.
    if was is None:
        return True
    return (was in OPEN_STATUSES) != (now in OPEN_STATUSES) or (was == S.ANSWERED) != (
        now == S.ANSWERED
    )


# Which timestamp records arrival in each state.
_STAMP = {
    S.SUBMITTED: None,
    S.APPROVED: "approved_at",
    S.ROUTED: "routed_at",
    S.ON_AIR: "on_air_at",
    S.ANSWERED: "answered_at",
    S.REJECTED: "rejected_at",
    S.MERGED: "merged_at",
    S.CARRIED_OVER: "closed_at",
    S.UNANSWERED: "closed_at",
}


def refusal(current: QuestionStatus, target: QuestionStatus) -> InvalidTransition:
    """Return the error for the move CURRENT -> TARGET, worded in the reader's language."""
    current, target = QuestionStatus(current), QuestionStatus(target)
    return InvalidTransition(
        current.value, target.value, QUESTION_STATUS[current], QUESTION_STATUS[target]
    )


def can_transition(current: QuestionStatus, target: QuestionStatus) -> bool:
    """Return whether the table allows CURRENT -> TARGET."""
    return target in TRANSITIONS[current]


def accepts_questions(live_session: LiveSession | None) -> bool:
    """Return whether LIVE_SESSION (None: there is none) is taking questions now."""
    return live_session is not None and live_session.status in ACCEPTING_QUESTIONS


def transition(question: Question, target: QuestionStatus, at: datetime) -> None:
    """Move QUESTION to TARGET at time AT, or raise InvalidTransition."""
    current = QuestionStatus(question.status)
    if not can_transition(current, target):
        raise refusal(current, target)
    question.status = target
    stamp = _STAMP[target]
    if stamp:
        setattr(question, stamp, at)

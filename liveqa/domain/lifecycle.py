"""The question lifecycle: one transition table, enforced in one function."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from liveqa.domain.errors import InvalidTransition
from liveqa.models import Question, QuestionStatus

S = QuestionStatus

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

# How a status reads to staff, in messages such as "an approved question cannot …".
STATUS_NAMES = {
    S.SUBMITTED: _l("New"),
    S.APPROVED: _l("Approved"),
    S.ROUTED: _l("Routed"),
    S.ON_AIR: _l("On air"),
    S.ANSWERED: _l("Answered"),
    S.REJECTED: _l("Rejected"),
    S.MERGED: _l("Merged"),
    S.CARRIED_OVER: _l("Carried over"),
    S.UNANSWERED: _l("Unanswered"),
}

FINISHED = frozenset(s for s, targets in TRANSITIONS.items() if not targets) | {S.CARRIED_OVER}
OPEN_STATUSES = frozenset(S) - FINISHED
PUBLIC_STATUSES = frozenset({S.APPROVED, S.ROUTED, S.ON_AIR, S.ANSWERED})

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
        current.value, target.value, STATUS_NAMES[current], STATUS_NAMES[target]
    )


def can_transition(current: QuestionStatus, target: QuestionStatus) -> bool:
    """Return whether the table allows CURRENT -> TARGET."""
    return target in TRANSITIONS[current]


def transition(question: Question, target: QuestionStatus, at: datetime) -> None:
    """Move QUESTION to TARGET at time AT, or raise InvalidTransition."""
    current = QuestionStatus(question.status)
    if not can_transition(current, target):
        raise refusal(current, target)
    question.status = target
    stamp = _STAMP[target]
    if stamp:
        setattr(question, stamp, at)

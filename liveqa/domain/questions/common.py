"""What every question verb shares: versions, lookups, the numbered change, the city's day."""

from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from liveqa.domain.audit import question_state, record_audit
from liveqa.domain.changes import record_question_change
from liveqa.domain.errors import Conflict, NotFound, ValidationError
from liveqa.domain.lifecycle import transition
from liveqa.domain.limits import check_failures, count_failure
from liveqa.domain.permissions import VERBS, Verb, check_start, ensure_may
from liveqa.domain.tracking import parse_code
from liveqa.domain.validation import optional_id
from liveqa.extensions import db
from liveqa.models import Official, Question, User, utcnow


class _Unchanged:
    """The value of a field the request left out: keep what the question has."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


def check_version(question: Question, expected) -> None:
    """Raise Conflict if the caller acted on an older version of QUESTION."""
    if expected is None:
        return
    if optional_id(expected, "version") != question.version:
        raise Conflict(
            _l("Someone else changed this question first; it has been reloaded."),
            code="stale",
            details={"version": question.version},
        )


def lookup(model, ident, field: str):
    """Return the MODEL row whose id IDENT names (None for none), or raise 422 on FIELD."""
    ident = optional_id(ident, field)
    if ident is None:
        return None
    obj = db.session.get(model, ident)
    if obj is None:
        raise ValidationError(_l("Not a valid choice."), code=f"unknown_{field}", field=field)
    return obj


def finish_change(
    question: Question, actor: User | None, action: str, before: dict | None
) -> Question:
    """Flush, audit and number one change of QUESTION."""
    db.session.flush()
    record_audit(actor, action, question=question, before=before)
    was = before["status"] if before is not None else question.status
    record_question_change(question, f"question.{action}", was)
    return question


def move_question(question: Question, actor: User, verb: Verb, action: str, version=None):
    """Check VERB for ACTOR on QUESTION, move it where the verb table leads, audit as ACTION."""
    check_version(question, version)
    ensure_may(actor, verb, question)
    check_start(question, verb)
    before = question_state(question)
    transition(question, VERBS[verb].leads_to, utcnow())
    return finish_change(question, actor, action, before)


def active_official(official_id) -> Official:
    """Return the active official OFFICIAL_ID names, or raise 422."""
    official = lookup(Official, official_id, "official")
    if official is None:
        raise ValidationError(_l("Choose an official."), code="required", field="official")
    if not official.active:
        raise ValidationError(
            _l("This official is not active."), code="inactive_official", field="official"
        )
    return official


def find_question_by_code(code: str) -> Question:
    """Return the question with tracking CODE (already canonical), or raise NotFound."""
    question = db.session.scalar(select(Question).where(Question.tracking_code == code))
    if question is None:
        raise NotFound(_l("No question has this tracking code."), code="unknown_code")
    return question


def find_tracked_question(
    raw,
    address: str,
    *,
    malformed_as_unknown: bool = True,
    max_chars: int | None = None,
    before_lookup: Callable[[str], None] | None = None,
) -> Question:
    """Return the question tracking code RAW (any digit script) names, limiting guesses."""
    # Guessing fails nearly always, a real asker nearly never: an ADDRESS with too many
    # well-formed unknown codes in the last minute is refused, even for a right one.
    check_failures("lookup", address)
    too_long = max_chars is not None and isinstance(raw, str) and len(raw) > max_chars
    code = None if too_long else parse_code(raw)
    if code is None:
        # A typo fails the check digit and is not counted: only guessing is.
        if malformed_as_unknown:
            raise NotFound(_l("No question has this tracking code."), code="unknown_code")
        raise ValidationError(
            _l("This is not a valid tracking code."), code="invalid_code", field="code"
        )
    if before_lookup is not None:
        before_lookup(code)
    try:
        return find_question_by_code(code)
    except NotFound:
        count_failure("lookup", address)
        raise


def city_today() -> date:
    """Return today's date in the city's time zone (Tehran's day starts at 20:30 UTC)."""
    return utcnow().astimezone(ZoneInfo(current_app.config["TIME_ZONE"])).date()


def follow_up_due_default(today: date | None = None) -> date:
    """Return the default due date of a follow-up made on TODAY (the city's): a week on."""
    return (today or city_today()) + timedelta(days=7)

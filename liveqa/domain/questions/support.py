"""Citizens' support: one statement per support, and bursts from one address flagged for staff."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from liveqa.domain.changes import record_change, record_tally
from liveqa.domain.errors import Conflict, NotFound, ValidationError
from liveqa.domain.permissions import VERBS, Verb, check_start
from liveqa.domain.validation import MAX_ID
from liveqa.extensions import db
from liveqa.models import Question, Support, utcnow
from liveqa.models.types import UTCDateTime

QUESTIONS = Question.__table__
SUPPORTS = Support.__table__
# A burst count no address reaches: bursts are not looked for (no address, or turned off).
NEVER = 2**31 - 1


@dataclass(frozen=True)
class Supported:
    """What one accepted support left: the question's new count, and whether it flagged it."""

    question_id: int
    session_id: int
    support_count: int
    flagged: bool


def address_hash(address: str | None, day: date) -> str | None:
    """Return a keyed hash of ADDRESS for DAY (None without an address), never the address."""
    if not address:
        return None
    # Keyed by the secret key, so the small IPv4 space cannot be hashed through to find an
    # address; and by the day, so stored hashes link one address only within a day.
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else secret.encode()
    key = hmac.new(secret, b"liveqa-support-address\0" + day.isoformat().encode(), hashlib.sha256)
    digest = hmac.new(key.digest(), address.encode("utf-8", "replace"), hashlib.sha256)
    return digest.hexdigest()[:16]


def _params(question_id: int, client_id: str, address: str | None) -> dict:
    now = utcnow()
    hashed = address_hash(address, now.date())
    count = current_app.config["SUPPORT_BURST_COUNT"]
    seconds = current_app.config["SUPPORT_BURST_SECONDS"]
    return {
        "b_question_id": question_id,
        "b_client_id": client_id,
        "b_address_hash": hashed,
        "b_now": now,
        "b_since": now - timedelta(seconds=seconds),
        "b_burst_count": count if count > 0 and hashed else NEVER,
    }


def _recent_from_address():
    """Return the count of this address's supports of the question within the burst window."""
    return (
        select(func.count())
        .select_from(SUPPORTS)
        .where(
            SUPPORTS.c.question_id == bindparam("b_question_id", type_=Integer),
            SUPPORTS.c.address_hash == bindparam("b_address_hash", type_=String),
            SUPPORTS.c.created_at > bindparam("b_since", type_=UTCDateTime),
        )
        .scalar_subquery()
    )


def _insert(dialect):
    """Return INSERT … SELECT of one support, if the question takes supports, or nothing."""
    now = bindparam("b_now", type_=UTCDateTime)
    eligible = select(
        QUESTIONS.c.id,
        bindparam("b_client_id", type_=String),
        now,
        bindparam("b_address_hash", type_=String),
    ).where(
        QUESTIONS.c.id == bindparam("b_question_id", type_=Integer),
        QUESTIONS.c.status.in_(sorted(VERBS[Verb.SUPPORT].starts)),
    )
    columns = ["question_id", "client_id", "created_at", "address_hash"]
    # The unique constraint decides, not a prior SELECT: two taps at once both pass any
    # check, and the loser's row is simply not inserted.
    return (
        dialect.insert(SUPPORTS)
        .from_select(columns, eligible)
        .on_conflict_do_nothing(index_elements=["question_id", "client_id"])
        .returning(SUPPORTS.c.question_id)
    )


def _count_update(where, own_row_visible: bool):
    """Return the UPDATE adding one support to the question WHERE selects, flagging a burst."""
    now = bindparam("b_now", type_=UTCDateTime)
    # Within one PostgreSQL statement the new support row is not yet visible to the count.
    recent = _recent_from_address() + (0 if own_row_visible else 1)
    flagged = case((recent >= bindparam("b_burst_count", type_=Integer), now), else_=None)
    return (
        update(QUESTIONS)
        .where(where)
        .values(
            support_count=QUESTIONS.c.support_count + 1,
            support_burst_at=func.coalesce(QUESTIONS.c.support_burst_at, flagged),
            updated_at=now,
        )
        .returning(
            QUESTIONS.c.id,
            QUESTIONS.c.session_id,
            QUESTIONS.c.support_count,
            QUESTIONS.c.support_burst_at,
        )
    )


@cache
def _statements(dialect_name: str) -> tuple:
    """Return the statements of one support on DIALECT_NAME, built once."""
    if dialect_name == "postgresql":
        inserted = _insert(postgresql).cte("inserted")
        return (_count_update(QUESTIONS.c.id == inserted.c.question_id, False),)
    # SQLite has no INSERT inside WITH: two statements, both under the write lock that
    # BEGIN IMMEDIATE already holds, so nothing can come between them.
    where = QUESTIONS.c.id == bindparam("b_question_id", type_=Integer)
    return _insert(sqlite), _count_update(where, True)


def _refusal(question_id: int) -> Exception:
    """Return why no support was added to QUESTION_ID: unknown, closed, or supported already."""
    question = db.session.get(Question, question_id)
    if question is None:
        return NotFound(_l("There is no such question."), code="unknown_question")
    check_start(question, Verb.SUPPORT)
    return Conflict(_l("You already support this question."), code="already_supported")


def support_question(
    question: Question | int, client_id: str, address: str | None = None
) -> Supported:
    """Record one browser's support for QUESTION (or its id), sent from ADDRESS."""
    if not client_id:
        raise ValidationError(_l("Your browser did not send its identity."), code="no_client")
    question_id = question if isinstance(question, int) else question.id
    if not 0 < question_id <= MAX_ID:
        raise NotFound(_l("There is no such question."), code="unknown_question")
    db.session.flush()  # the statements below go around the unit of work
    connection = db.session.connection()
    params = _params(question_id, client_id, address)
    row = None
    for statement in _statements(connection.dialect.name):
        row = connection.execute(statement, params).first()
        if row is None:
            raise _refusal(question_id)
    _, session_id, count, burst_at = row
    loaded = db.session.identity_map.get(db.session.identity_key(Question, question_id))
    if loaded is not None:
        # Keep a loaded question in step without a SELECT (and without bumping its version).
        set_committed_value(loaded, "support_count", count)
        set_committed_value(loaded, "support_burst_at", burst_at)
    record_tally(session_id, question_id)
    flagged = burst_at is not None and burst_at == params["b_now"]
    if flagged:
        # Once per question: the desks' cards show the flag at once. Staff-only news: it
        # neither alters the public board nor moves the counters.
        record_change(
            session_id, "question.support_burst", question_id, public=False, counted=False
        )
    return Supported(question_id, session_id, count, flagged)

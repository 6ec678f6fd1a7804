"""Question verbs: each checks its transition, flushes, audits and never commits."""

import hashlib
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from liveqa.domain.audit import question_state, record_audit
from liveqa.domain.changes import record_change, record_tally
from liveqa.domain.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ValidationError,
)
from liveqa.domain.lifecycle import FINISHED, OPEN_STATUSES, refusal, transition
from liveqa.domain.tracking import new_code
from liveqa.domain.validation import (
    MAX_ANSWER_CHARS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_QUESTION_CHARS,
    MAX_UNIT_CHARS,
    optional_id,
    optional_phone,
    optional_text,
    parse_date,
    required_text,
)
from liveqa.extensions import db
from liveqa.models import (
    Answer,
    AnswerKind,
    Category,
    Channel,
    District,
    FollowUp,
    LiveSession,
    Official,
    Question,
    QuestionStatus,
    RejectReason,
    Role,
    SessionStatus,
    Support,
    User,
    utcnow,
)

S = QuestionStatus
SUPPORTABLE = frozenset({S.APPROVED, S.ROUTED, S.ON_AIR})
MERGE_TARGETS = frozenset({S.SUBMITTED, S.APPROVED, S.ROUTED, S.ON_AIR, S.ANSWERED})


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


def _lookup(model, ident, field: str):
    ident = optional_id(ident, field)
    if ident is None:
        return None
    obj = db.session.get(model, ident)
    if obj is None:
        raise ValidationError(_l("Not a valid choice."), code=f"unknown_{field}", field=field)
    return obj


def _new_tracking_code() -> str:
    while True:
        code = new_code()
        taken = db.session.scalar(select(Question.id).where(Question.tracking_code == code))
        if taken is None:
            return code


def _finish(question: Question, actor: User | None, action: str, before: dict | None) -> Question:
    """Flush, audit and number one change of QUESTION."""
    db.session.flush()
    record_audit(actor, action, question=question, before=before)
    record_change(question.session_id, f"question.{action}", question.id)
    return question


def submission_from(mapping, fallback_key=None) -> dict:
    """Return submit_question's fields from a submitted form or JSON body MAPPING."""
    return {
        "text": mapping.get("text"),
        "category_id": mapping.get("category_id"),
        "district_id": mapping.get("district_id"),
        "asker_name": mapping.get("name"),
        "asker_phone": mapping.get("phone"),
        "client_key": mapping.get("idempotency_key") or fallback_key or None,
    }


def _by_client_key(client_key: str) -> Question | None:
    return db.session.scalar(select(Question).where(Question.client_key == client_key))


def _repeats(stored: Question, live_session: LiveSession, text) -> bool:
    """Return whether a request with TEXT for LIVE_SESSION repeats STORED."""
    try:
        cleaned = required_text(text, "text", MAX_QUESTION_CHARS)
    except ValidationError:
        return False
    # A carried-over question has moved on; a late retry still names its first session.
    return cleaned == stored.text and live_session.id in {
        stored.session_id,
        stored.carried_from_session_id,
    }


def _replayed(stored: Question, live_session: LiveSession, text) -> Question:
    """Return STORED if this request repeats it; refuse a key reused for another question."""
    if not _repeats(stored, live_session, text):
        raise ValidationError(
            _l("This idempotency key was already used for a different question."),
            code="idempotency_key_reused",
            field="idempotency_key",
        )
    return stored


def _key_for_new_text(client_key: str, live_session: LiveSession, text) -> str:
    """Return the key a form's other TEXT is stored under: sending it twice stays one question."""
    cleaned = required_text(text, "text", MAX_QUESTION_CHARS)
    material = f"{client_key}\0{live_session.id}\0{cleaned}".encode()
    return "form-" + hashlib.sha256(material).hexdigest()[:40]


def submit_question(
    live_session: LiveSession,
    *,
    text,
    category_id=None,
    district_id=None,
    asker_name=None,
    asker_phone=None,
    client_key=None,
    client_id=None,
    operator: User | None = None,
    on_key_reuse: str = "refuse",
) -> tuple[Question, bool]:
    """Store a new question, or return the one already stored under CLIENT_KEY."""
    if client_key is not None:
        if not isinstance(client_key, str) or not 8 <= len(client_key) <= 64:
            raise ValidationError(
                _l("The idempotency key must be 8 to 64 characters."),
                code="invalid_idempotency_key",
                field="idempotency_key",
            )
        stored = _by_client_key(client_key)
        # "new": a browser form sent again after going Back and editing asks a new
        # question; "refuse" (the API) treats the key as the client's promise of one.
        if (
            stored is not None
            and on_key_reuse == "new"
            and not _repeats(stored, live_session, text)
        ):
            client_key = _key_for_new_text(client_key, live_session, text)
            stored = _by_client_key(client_key)
        if stored is not None:
            return _replayed(stored, live_session, text), False
    if live_session.status not in (SessionStatus.OPEN, SessionStatus.LIVE):
        raise Conflict(_l("This session is not taking questions."), code="session_not_open")
    cleaned = required_text(text, "text", MAX_QUESTION_CHARS)
    question = Question(
        session_id=live_session.id,
        tracking_code=_new_tracking_code(),
        client_key=client_key,
        client_id=client_id,
        text=cleaned,
        category=_lookup(Category, category_id, "category"),
        district=_lookup(District, district_id, "district"),
        asker_name=optional_text(asker_name, "name", MAX_NAME_CHARS),
        asker_phone=optional_phone(asker_phone),
        channel=Channel.PHONE if operator is not None else Channel.WEB,
        entered_by_id=operator.id if operator is not None else None,
        status=S.SUBMITTED,
        submitted_at=utcnow(),
    )
    try:
        # A concurrent retry with the same key may commit first (PostgreSQL lets both
        # past the check above): only the savepoint is lost, not the transaction.
        with db.session.begin_nested():
            db.session.add(question)
    except IntegrityError:
        stored = _by_client_key(client_key) if client_key is not None else None
        if stored is None:
            raise
        return _replayed(stored, live_session, text), False
    if operator is not None:
        record_audit(operator, "entered", question=question)
    record_change(question.session_id, "question.submitted", question.id)
    return question, True


def approve_question(question: Question, actor: User, *, version=None) -> Question:
    """Approve QUESTION for the public board."""
    check_version(question, version)
    # The table's carried_over -> approved is for a session receiving the question, not a verb.
    if question.status != S.SUBMITTED:
        raise refusal(question.status, S.APPROVED)
    before = question_state(question)
    transition(question, S.APPROVED, utcnow())
    return _finish(question, actor, "approved", before)


def reject_question(question: Question, actor: User, reason, note=None, *, version=None):
    """Reject QUESTION with a reason from the fixed list and an optional note to the asker."""
    check_version(question, version)
    try:
        reason = RejectReason(reason)
    except ValueError:
        raise ValidationError(
            _l("Choose a reason from the list."), code="invalid_reason", field="reason"
        ) from None
    note = optional_text(note, "note", MAX_NOTE_CHARS, multiline=True)
    before = question_state(question)
    # Transition first: a refused verb must leave the question untouched.
    transition(question, S.REJECTED, utcnow())
    question.reject_note = note
    question.reject_reason = reason
    return _finish(question, actor, "rejected", before)


def edit_question(question: Question, actor: User, text, *, version=None) -> Question:
    """Set the moderator's edited text; the verbatim text is kept."""
    check_version(question, version)
    if question.status in FINISHED:
        raise Conflict(_l("A finished question cannot be edited."), code="finished")
    before = question_state(question)
    cleaned = required_text(text, "text", MAX_QUESTION_CHARS)
    question.edited_text = None if cleaned == question.text else cleaned
    return _finish(question, actor, "edited", before)


def classify_question(
    question: Question,
    actor: User,
    *,
    category_id=UNCHANGED,
    district_id=UNCHANGED,
    version=None,
) -> Question:
    """Set QUESTION's category and district (None clears one, UNCHANGED keeps it)."""
    check_version(question, version)
    if question.status in FINISHED:
        raise Conflict(_l("A finished question cannot be changed."), code="finished")
    if category_id is UNCHANGED:
        category_id = question.category_id
    if district_id is UNCHANGED:
        district_id = question.district_id
    category = _lookup(Category, category_id, "category")
    district = _lookup(District, district_id, "district")
    before = question_state(question)
    question.category = category
    question.district = district
    return _finish(question, actor, "classified", before)


def merge_question(question: Question, target: Question, actor: User, *, version=None):
    """Merge QUESTION into TARGET: its supporters and asker follow TARGET."""
    # Both rows are written; lock them in id order first, the order close_session locks
    # a session's questions in, or the two can deadlock on PostgreSQL. The refresh lets
    # the checks below see what a request that held the locks before us left.
    db.session.scalars(
        select(Question)
        .where(Question.id.in_([question.id, target.id]))
        .order_by(Question.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    check_version(question, version)
    if target.id == question.id:
        raise ValidationError(_l("A question cannot be merged into itself."), code="merge_self")
    if target.session_id != question.session_id:
        raise ValidationError(
            _l("Only questions of the same session can be merged."), code="merge_other_session"
        )
    if target.status not in MERGE_TARGETS:
        raise Conflict(_l("The target question is already finished."), code="merge_target_closed")
    before = question_state(question)
    transition(question, S.MERGED, utcnow())
    question.merged_into_id = target.id
    db.session.flush()
    # Questions merged earlier into this one now point at the target: no chains.
    db.session.execute(
        update(Question)
        .where(Question.merged_into_id == question.id)
        .values(merged_into_id=target.id)
        .execution_options(synchronize_session="fetch")
    )
    already = select(Support.client_id).where(Support.question_id == target.id)
    db.session.execute(
        update(Support)
        .where(Support.question_id == question.id, Support.client_id.not_in(already))
        .values(question_id=target.id)
        .execution_options(synchronize_session=False)
    )
    _refresh_support_count(target)
    _finish(question, actor, "merged", before)
    record_change(target.session_id, "question.supporters_joined", target.id)
    return question


def route_question(question: Question, actor: User, official_id, *, version=None) -> Question:
    """Route an approved QUESTION to an official, or re-route a routed one."""
    check_version(question, version)
    official = _active_official(official_id)
    if question.status == S.ROUTED and question.official_id == official.id:
        raise Conflict(_l("The question is already with this official."), code="same_official")
    if question.status not in (S.APPROVED, S.ROUTED):
        raise refusal(question.status, S.ROUTED)
    before = question_state(question)
    question.official_id = official.id
    transition(question, S.ROUTED, utcnow())
    return _finish(question, actor, "routed", before)


def transfer_question(question: Question, actor: User, official_id, *, version=None) -> Question:
    """Hand QUESTION, routed or on air, over to another official."""
    check_version(question, version)
    _ensure_may_answer(question, actor)
    official = _active_official(official_id)
    if question.status not in (S.ROUTED, S.ON_AIR):
        raise refusal(question.status, S.ROUTED)
    if official.id == question.official_id:
        raise Conflict(_l("The question is already with this official."), code="same_official")
    before = question_state(question)
    question.official_id = official.id
    transition(question, S.ROUTED, utcnow())
    return _finish(question, actor, "transferred", before)


def put_back_question(question: Question, actor: User, *, version=None) -> Question:
    """Take QUESTION off the air and back into its official's queue."""
    check_version(question, version)
    _ensure_may_answer(question, actor)
    if question.status != S.ON_AIR:
        raise refusal(question.status, S.ROUTED)
    before = question_state(question)
    transition(question, S.ROUTED, utcnow())
    return _finish(question, actor, "put_back", before)


def take_on_air(question: Question, actor: User, *, version=None) -> Question:
    """Put QUESTION on air; only one question of a session is on air at a time."""
    check_version(question, version)
    _ensure_may_answer(question, actor)
    live_session = question.session
    if live_session.status != SessionStatus.LIVE:
        raise Conflict(_l("The session is not live."), code="session_not_live")
    on_air = db.session.scalar(
        select(Question.id).where(
            Question.session_id == question.session_id,
            Question.status == S.ON_AIR,
            Question.id != question.id,
        )
    )
    if on_air is not None:
        raise Conflict(
            _l("Another question is on air; answer it or put it back first."),
            code="another_on_air",
            details={"question_id": on_air},
        )
    before = question_state(question)
    transition(question, S.ON_AIR, utcnow())
    return _finish(question, actor, "on_air", before)


def answer_question(
    question: Question,
    actor: User,
    *,
    kind,
    text,
    follow_up_unit=None,
    follow_up_due=None,
    version=None,
    today: date | None = None,
) -> Question:
    """Answer the on-air QUESTION, optionally committing to a follow-up."""
    check_version(question, version)
    _ensure_may_answer(question, actor)
    try:
        kind = AnswerKind(kind)
    except ValueError:
        raise ValidationError(
            _l("Choose written or verbal."), code="invalid_kind", field="kind"
        ) from None
    body = required_text(text, "text", MAX_ANSWER_CHARS)
    unit = optional_text(follow_up_unit, "follow_up_unit", MAX_UNIT_CHARS)
    due = None
    if follow_up_due not in (None, ""):
        due = parse_date(follow_up_due, "follow_up_due")
        if due < (today or city_today()):
            raise ValidationError(
                _l("The due date cannot be in the past."), code="due_in_past", field="follow_up_due"
            )
    if (unit is None) != (due is None):
        raise ValidationError(
            _l("A follow-up needs both a responsible unit and a due date."),
            code="follow_up_incomplete",
            field="follow_up_unit" if unit is None else "follow_up_due",
        )
    before = question_state(question)
    now = utcnow()
    transition(question, S.ANSWERED, now)
    answer = Answer(
        question=question, official_id=question.official_id, kind=kind, text=body, created_at=now
    )
    db.session.add(answer)
    if unit is not None:
        db.session.add(
            FollowUp(question=question, answer=answer, responsible_unit=unit, due_on=due)
        )
    return _finish(question, actor, "answered", before)


def reorder_queue(live_session: LiveSession, actor: User, question_ids) -> list[Question]:
    """Set the queue order of LIVE_SESSION's open questions to QUESTION_IDS."""
    if not isinstance(question_ids, list) or not question_ids:
        raise ValidationError(
            _l("Give the question ids in their new order."), code="invalid_order", field="order"
        )
    ids = [optional_id(i, "order") for i in question_ids]
    if None in ids or len(set(ids)) != len(ids):
        raise ValidationError(_l("The order lists a question twice."), code="invalid_order")
    questions = db.session.scalars(
        select(Question).where(Question.id.in_(ids), Question.session_id == live_session.id)
    ).all()
    by_id = {q.id: q for q in questions}
    if len(by_id) != len(ids) or any(q.status not in OPEN_STATUSES for q in questions):
        raise ValidationError(
            _l("Only open questions of this session can be ordered."), code="invalid_order"
        )
    positions = {ident: position for position, ident in enumerate(ids, start=1)}
    # A core UPDATE leaves `version` alone: a new place in the queue must not make every
    # moderator's and official's next action on these questions "stale".
    db.session.execute(
        update(Question)
        .where(Question.id.in_(ids))
        .values(position=case(positions, value=Question.id))
        .execution_options(synchronize_session=False)
    )
    for ident, position in positions.items():
        set_committed_value(by_id[ident], "position", position)
    record_audit(actor, "reordered", session_id=live_session.id, after={"order": ids}, before=None)
    record_change(live_session.id, "queue.reordered")
    return [by_id[i] for i in ids]


def support_question(question: Question, client_id: str) -> Support:
    """Record one browser's support for QUESTION."""
    if not client_id:
        raise ValidationError(_l("Your browser did not send its identity."), code="no_client")
    if question.status not in SUPPORTABLE:
        raise Conflict(_l("This question can no longer be supported."), code="not_supportable")
    support = Support(question_id=question.id, client_id=client_id)
    try:
        # The unique constraint, not a prior SELECT, decides: two taps at once on
        # PostgreSQL both pass any check, and only the savepoint is lost to the loser.
        with db.session.begin_nested():
            db.session.add(support)
    except IntegrityError:
        raise Conflict(_l("You already support this question."), code="already_supported") from None
    count = db.session.execute(
        update(Question)
        .where(Question.id == question.id)
        .values(support_count=Question.support_count + 1)
        .returning(Question.support_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(question, "support_count", count)
    record_tally(question.session_id, question.id)
    return support


def find_question_by_code(code: str) -> Question:
    """Return the question with tracking CODE (already canonical), or raise NotFound."""
    question = db.session.scalar(select(Question).where(Question.tracking_code == code))
    if question is None:
        raise NotFound(_l("No question has this tracking code."), code="unknown_code")
    return question


def _refresh_support_count(question: Question) -> None:
    count = db.session.scalar(
        select(func.count(Support.id)).where(Support.question_id == question.id)
    )
    question.support_count = count


def _active_official(official_id) -> Official:
    official = _lookup(Official, official_id, "official")
    if official is None:
        raise ValidationError(_l("Choose an official."), code="required", field="official")
    if not official.active:
        raise ValidationError(
            _l("This official is not active."), code="inactive_official", field="official"
        )
    return official


def _ensure_may_answer(question: Question, actor: User) -> None:
    """Let only the assigned official (or a moderator or admin) act on air."""
    if actor.role in (Role.ADMIN, Role.MODERATOR):
        return
    official = actor.official
    if actor.role != Role.OFFICIAL or official is None or official.id != question.official_id:
        raise Forbidden(_l("This question is routed to another official."), code="not_yours")


def city_today() -> date:
    """Return today's date in the city's time zone (Tehran's day starts at 20:30 UTC)."""
    return utcnow().astimezone(ZoneInfo(current_app.config["TIME_ZONE"])).date()


def follow_up_due_default(today: date | None = None) -> date:
    """Return the default due date of a follow-up made on TODAY (the city's): a week on."""
    return (today or city_today()) + timedelta(days=7)

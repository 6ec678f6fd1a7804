"""What moderators do: approve, reject, edit, classify, merge, route and order the queue."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from liveqa.domain.audit import question_state, record_audit
from liveqa.domain.changes import record_change, record_question_change
from liveqa.domain.errors import Conflict, ValidationError
from liveqa.domain.lifecycle import on_public_board, transition
from liveqa.domain.permissions import MERGE_INTO, VERBS, Verb, check_start, ensure_may
from liveqa.domain.questions.common import (
    UNCHANGED,
    active_official,
    check_version,
    finish_change,
    lookup,
    move_question,
)
from liveqa.domain.validation import (
    MAX_NOTE_CHARS,
    MAX_QUESTION_CHARS,
    choice,
    optional_id,
    optional_text,
    required_text,
)
from liveqa.extensions import db
from liveqa.models import (
    Category,
    District,
    LiveSession,
    Question,
    QuestionStatus,
    RejectReason,
    Support,
    User,
    utcnow,
)

S = QuestionStatus


def approve_question(question: Question, actor: User, *, version=None) -> Question:
    """Approve QUESTION for the public board."""
    return move_question(question, actor, Verb.APPROVE, "approved", version)


def reject_question(question: Question, actor: User, reason, note=None, *, version=None):
    """Reject QUESTION with a reason from the fixed list and an optional note to the asker."""
    check_version(question, version)
    ensure_may(actor, Verb.REJECT, question)
    reason = choice(
        RejectReason, reason, "reason", _l("Choose a reason from the list."), "invalid_reason"
    )
    note = optional_text(note, "note", MAX_NOTE_CHARS, multiline=True)
    before = question_state(question)
    # Checked first: a refused verb must leave the question untouched.
    check_start(question, Verb.REJECT)
    transition(question, S.REJECTED, utcnow())
    question.reject_note = note
    question.reject_reason = reason
    return finish_change(question, actor, "rejected", before)


def edit_question(question: Question, actor: User, text, *, version=None) -> Question:
    """Set the moderator's edited text; the verbatim text is kept."""
    check_version(question, version)
    ensure_may(actor, Verb.EDIT, question)
    check_start(question, Verb.EDIT)
    before = question_state(question)
    cleaned = required_text(text, "text", MAX_QUESTION_CHARS)
    question.edited_text = None if cleaned == question.text else cleaned
    return finish_change(question, actor, "edited", before)


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
    ensure_may(actor, Verb.CLASSIFY, question)
    check_start(question, Verb.CLASSIFY)
    if category_id is UNCHANGED:
        category_id = question.category_id
    if district_id is UNCHANGED:
        district_id = question.district_id
    category = lookup(Category, category_id, "category")
    district = lookup(District, district_id, "district")
    before = question_state(question)
    question.category = category
    question.district = district
    return finish_change(question, actor, "classified", before)


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
    ensure_may(actor, Verb.MERGE, question)
    if target.id == question.id:
        raise ValidationError(_l("A question cannot be merged into itself."), code="merge_self")
    if target.session_id != question.session_id:
        raise ValidationError(
            _l("Only questions of the same session can be merged."), code="merge_other_session"
        )
    if target.status not in MERGE_INTO:
        raise Conflict(_l("The target question is already finished."), code="merge_target_closed")
    check_start(question, Verb.MERGE)
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
    finish_change(question, actor, "merged", before)
    record_question_change(target, "question.supporters_joined", target.status)
    return question


def _refresh_support_count(question: Question) -> None:
    count = db.session.scalar(
        select(func.count(Support.id)).where(Support.question_id == question.id)
    )
    question.support_count = count


def route_question(question: Question, actor: User, official_id, *, version=None) -> Question:
    """Route an approved QUESTION to an official, or re-route a routed one."""
    check_version(question, version)
    ensure_may(actor, Verb.ROUTE, question)
    official = active_official(official_id)
    if question.status == S.ROUTED and question.official_id == official.id:
        raise Conflict(_l("The question is already with this official."), code="same_official")
    check_start(question, Verb.ROUTE)
    before = question_state(question)
    question.official_id = official.id
    transition(question, S.ROUTED, utcnow())
    return finish_change(question, actor, "routed", before)


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
    if questions:
        # The role alone decides (no official orders the queue): one check serves all.
        ensure_may(actor, Verb.REORDER, questions[0])
    orderable = VERBS[Verb.REORDER].starts
    if len(by_id) != len(ids) or any(q.status not in orderable for q in questions):
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
    # Positions show on the public board only for public questions.
    public = any(on_public_board(q.status, q.status) for q in questions)
    record_change(live_session.id, "queue.reordered", public=public, counted=False)
    return [by_id[i] for i in ids]

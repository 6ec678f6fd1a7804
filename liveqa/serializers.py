"""JSON shapes shared by the REST API, the pages and the Socket.IO events."""

import time
from datetime import date, datetime

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from liveqa.domain.labels import QUESTION_STATUS_PUBLIC, REJECT_REASON
from liveqa.domain.lifecycle import OPEN_STATUSES, PUBLIC_STATUSES, accepts_questions
from liveqa.domain.permissions import question_actions, session_actions
from liveqa.domain.privacy import mask_numbers, number_kinds
from liveqa.domain.tracking import display_code
from liveqa.extensions import db
from liveqa.models import (
    Answer,
    Category,
    District,
    FollowUp,
    LiveSession,
    Official,
    Question,
    QuestionStatus,
)

S = QuestionStatus
SNAPSHOT_CACHE_KEY = "liveqa_public_snapshots"


def iso(value: datetime | date | None) -> str | None:
    """Return VALUE in ISO 8601 (UTC for datetimes), or None."""
    return value.isoformat() if value is not None else None


def official_json(official: Official | None) -> dict | None:
    """Return the public view of an official."""
    if official is None:
        return None
    return {
        "id": official.id,
        "name": official.name,
        "title": official.title,
        "title_en": official.title_en,
        "portfolio": official.portfolio,
    }


def category_json(category: Category | None) -> dict | None:
    """Return a category."""
    if category is None:
        return None
    return {
        "id": category.id,
        "slug": category.slug,
        "name": category.name,
        "name_en": category.name_en,
        "default_official_id": category.default_official_id,
    }


def district_json(district: District | None) -> dict | None:
    """Return a district."""
    if district is None:
        return None
    return {
        "id": district.id,
        "number": district.number,
        "name": district.name,
        "name_en": district.name_en,
    }


def follow_up_json(follow_up: FollowUp) -> dict:
    """Return a follow-up commitment."""
    return {
        "id": follow_up.id,
        "responsible_unit": follow_up.responsible_unit,
        "due_on": iso(follow_up.due_on),
        "status": follow_up.status.value,
    }


def answer_json(answer: Answer | None) -> dict | None:
    """Return an answer with its follow-up, if one was committed to."""
    if answer is None:
        return None
    follow_ups = [f for f in answer.question.follow_ups if f.answer_id == answer.id]
    return {
        "kind": answer.kind.value,
        "text": answer.text,
        "official": official_json(answer.official),
        "created_at": iso(answer.created_at),
        "follow_up": follow_up_json(follow_ups[0]) if follow_ups else None,
    }


def session_json(live_session: LiveSession | None) -> dict | None:
    """Return the public view of a session, with the officials taking part."""
    if live_session is None:
        return None
    edition = live_session.edition
    return {
        "id": live_session.id,
        "title": live_session.title,
        "status": live_session.status.value,
        "accepting_questions": accepts_questions(live_session),
        "starts_at": iso(live_session.starts_at),
        "ends_at": iso(live_session.ends_at),
        "edition": {"id": edition.id, "number": edition.number, "title": edition.title},
        "officials": [official_json(o) for o in live_session.officials],
        # The public view: the number of the public stream (staff views replace it).
        "seq": live_session.public_seq,
    }


def question_public(question: Question) -> dict:
    """Return what anyone may see of a question on the public board."""
    # Personal numbers the citizen wrote are masked; a moderator's edit is published as
    # the moderator chose it.
    return {
        "id": question.id,
        "session_id": question.session_id,
        "text": question.edited_text or mask_numbers(question.text),
        "status": question.status.value,
        "category": category_json(question.category),
        "district": district_json(question.district),
        "asker_name": mask_numbers(question.asker_name),
        "support_count": question.support_count,
        "official": official_json(question.official),
        "answer": answer_json(question.answer),
        "position": question.position,
        "submitted_at": iso(question.submitted_at),
        "on_air_at": iso(question.on_air_at),
        "answered_at": iso(question.answered_at),
    }


def mask_phone(phone: str | None) -> str | None:
    """Return PHONE with its middle digits hidden, as staff see it."""
    if not phone:
        return None
    keep_start = 4 if len(phone) > 8 else 2
    return phone[:keep_start] + "•" * (len(phone) - keep_start - 2) + phone[-2:]


def question_staff(question: Question) -> dict:
    """Return the staff view of a question: verbatim text kept, phone masked."""
    data = question_public(question)
    data.update(
        {
            "tracking_code": question.tracking_code,
            "verbatim_text": question.text,
            "verbatim_asker_name": question.asker_name,
            "privacy_flags": number_kinds(question.text, question.asker_name),
            "edited_text": question.edited_text,
            "asker_phone": mask_phone(question.asker_phone),
            "channel": question.channel.value,
            "version": question.version,
            "merged_into_id": question.merged_into_id,
            "reject_reason": question.reject_reason.value if question.reject_reason else None,
            "reject_note": question.reject_note,
            "official_id": question.official_id,
            "category_id": question.category_id,
            "district_id": question.district_id,
            "approved_at": iso(question.approved_at),
            "routed_at": iso(question.routed_at),
            "updated_at": iso(question.updated_at),
            # Many supports from one address within a short window (a keyed hash of it).
            "support_burst": question.support_burst_at is not None,
            "actions": question_actions(question),
        }
    )
    return data


def question_tracking(question: Question) -> dict:
    """Return what the asker sees when following a question by its tracking code."""
    shown = question.merged_into if question.status == S.MERGED else question
    status = shown.status if shown is not None else question.status
    return {
        "tracking_code": question.tracking_code,
        "tracking_code_display": display_code(question.tracking_code),
        # A tracking code is a bearer token, shared and shown: no personal number in it.
        "text": mask_numbers(question.text),
        "status": question.status.value,
        "status_label": str(QUESTION_STATUS_PUBLIC[question.status]),
        "outcome": question.status.value if question.status not in OPEN_STATUSES else None,
        "submitted_at": iso(question.submitted_at),
        "session_id": question.session_id,
        "reject_reason": question.reject_reason.value if question.reject_reason else None,
        "reject_reason_label": (
            str(REJECT_REASON[question.reject_reason]) if question.reject_reason else None
        ),
        "reject_note": question.reject_note,
        "merged_into": (
            question_public(question.merged_into) if question.status == S.MERGED else None
        ),
        "effective_status": status.value,
        "effective_status_label": str(QUESTION_STATUS_PUBLIC[status]),
        "official": official_json(shown.official if shown is not None else None),
        "answer": answer_json(shown.answer if shown is not None else None),
        "follow_ups": [follow_up_json(f) for f in question.follow_ups],
        "carried_to_session_id": question.carried_to_session_id,
    }


def counters(session_id: int) -> dict:
    """Return the session's counters: received, answered, waiting, on air."""
    row = db.session.execute(
        select(
            func.count(Question.id),
            func.count(case((Question.status == S.ANSWERED, 1))),
            func.count(case((Question.status.in_(OPEN_STATUSES), 1))),
        ).where(Question.session_id == session_id)
    ).one()
    return {"received": row[0], "answered": row[1], "waiting": row[2]}


# Everything the question views read, loaded in a few queries instead of several per row.
_QUESTION_VIEW_LOADS = (
    selectinload(Question.answer).selectinload(Answer.official),
    selectinload(Question.follow_ups),
    selectinload(Question.official),
    selectinload(Question.category),
    selectinload(Question.district),
)


def _session_questions(session_id: int, statuses=None) -> list[Question]:
    query = select(Question).where(Question.session_id == session_id)
    if statuses is not None:
        query = query.where(Question.status.in_(statuses))
    return list(db.session.scalars(query.options(*_QUESTION_VIEW_LOADS).order_by(Question.id)))


def _current_seq(session_id: int, column=LiveSession.seq) -> int:
    return db.session.scalar(select(column).where(LiveSession.id == session_id))


def public_snapshot(live_session: LiveSession) -> dict:
    """Return the public board of a session with the public stream's number it reflects."""
    # Read seq first: the data read after it is at least as new, and events are upserts.
    seq = _current_seq(live_session.id, LiveSession.public_seq)
    # Thousands of boards reload at once when a session goes live or after a network
    # blip; one build per seq and second serves them all (counts may lag a second).
    cache = current_app.extensions.setdefault(SNAPSHOT_CACHE_KEY, {})
    ttl = current_app.config["SNAPSHOT_CACHE_SECONDS"]
    # Shared by every caller: the snapshot is read, never changed, after this point.
    cached = cache.get(live_session.id)
    if cached and cached[0] == seq and time.monotonic() - cached[1] < ttl:
        return cached[2]
    questions = _session_questions(live_session.id, PUBLIC_STATUSES)
    on_air = next((q for q in questions if q.status == S.ON_AIR), None)
    snapshot = {
        "seq": seq,
        "session": session_json(live_session) | {"seq": seq},
        "counters": counters(live_session.id),
        "on_air": question_public(on_air) if on_air else None,
        "questions": [question_public(q) for q in questions],
    }
    if ttl > 0:
        cache[live_session.id] = (seq, time.monotonic(), snapshot)
    return snapshot


def session_staff(live_session: LiveSession | None) -> dict | None:
    """Return the staff view of a session: the public view and what each audience may do."""
    if live_session is None:
        return None
    return session_json(live_session) | {
        "seq": live_session.seq,
        "actions": session_actions(live_session),
    }


def staff_snapshot(live_session: LiveSession) -> dict:
    """Return every question of a session, staff view, with the staff stream's number."""
    seq = _current_seq(live_session.id)
    questions = _session_questions(live_session.id)
    return {
        "seq": seq,
        "session": session_staff(live_session) | {"seq": seq},
        "counters": counters(live_session.id),
        "questions": [question_staff(q) for q in questions],
    }


def change_views(question: Question | None) -> dict:
    """Return the public (None: not on the board) and staff views a change of QUESTION carries."""
    # Built before the change is numbered: numbering is the transaction's last statement.
    visible = question is not None and question.status in PUBLIC_STATUSES
    return {
        "public": question_public(question) if visible else None,
        "staff": question_staff(question) if question is not None else None,
    }


def change_items(change, views: dict) -> dict:
    """Return the public (None: not a public change) and staff items of a numbered CHANGE."""
    base = {
        "session_id": change.session_id,
        "kind": change.kind,
        "question_id": change.question_id,
    }
    staff = {"seq": change.seq, **base, "question": views["staff"]}
    if not change.public:
        return {"public": None, "staff": staff}
    return {
        "public": {"seq": change.public_seq, **base, "question": views["public"]},
        "staff": staff,
    }

"""Staff endpoints: the queue, triage, answering on air, and running a session."""

from flask import Blueprint, request

from liveqa.api.common import (
    actor,
    commit_with,
    json_body,
    load_question,
    load_session,
    referenced_question,
)
from liveqa.auth import permission_required
from liveqa.domain import questions as verbs
from liveqa.domain import sessions as session_verbs
from liveqa.domain.permissions import (
    can_answer,
    can_enter_questions,
    can_read_queue,
    can_run_session,
    can_triage,
)
from liveqa.serializers import question_staff, question_tracking, session_staff, staff_snapshot

bp = Blueprint("staff", __name__)


def _question_done(question):
    return commit_with({"question": question_staff(question)})


@bp.get("/sessions/<int:session_id>/queue")
@permission_required(can_read_queue)
def queue(session_id):
    """Return every question of a session, staff view, with the sequence number."""
    return staff_snapshot(load_session(session_id))


@bp.post("/questions/<int:question_id>/approve")
@permission_required(can_triage)
def approve(question_id):
    """Approve a question for the public board."""
    body = json_body()
    question = load_question(question_id)
    verbs.approve_question(question, actor(), version=body.get("version"))
    return _question_done(question)


@bp.post("/questions/<int:question_id>/reject")
@permission_required(can_triage)
def reject(question_id):
    """Reject a question with a reason and an optional note to the asker."""
    body = json_body()
    question = load_question(question_id)
    verbs.reject_question(
        question, actor(), body.get("reason"), body.get("note"), version=body.get("version")
    )
    return _question_done(question)


@bp.post("/questions/<int:question_id>/edit")
@permission_required(can_triage)
def edit(question_id):
    """Set the moderator's edited text; the verbatim text is kept."""
    body = json_body()
    question = load_question(question_id)
    verbs.edit_question(question, actor(), body.get("text"), version=body.get("version"))
    return _question_done(question)


@bp.post("/questions/<int:question_id>/merge")
@permission_required(can_triage)
def merge(question_id):
    """Merge a question into another one of the same session."""
    body = json_body()
    question = load_question(question_id)
    target = referenced_question(body, "into")
    verbs.merge_question(question, target, actor(), version=body.get("version"))
    return _question_done(question)


@bp.post("/questions/<int:question_id>/classify")
@permission_required(can_triage)
def classify(question_id):
    """Set a question's category and district; a field left out keeps its value."""
    body = json_body()
    question = load_question(question_id)
    verbs.classify_question(
        question,
        actor(),
        category_id=body.get("category_id", verbs.UNCHANGED),
        district_id=body.get("district_id", verbs.UNCHANGED),
        version=body.get("version"),
    )
    return _question_done(question)


@bp.post("/questions/<int:question_id>/route")
@permission_required(can_triage)
def route(question_id):
    """Route an approved question to an official."""
    body = json_body()
    question = load_question(question_id)
    verbs.route_question(question, actor(), body.get("official_id"), version=body.get("version"))
    return _question_done(question)


@bp.post("/questions/<int:question_id>/on-air")
@permission_required(can_answer)
def on_air(question_id):
    """Put a routed question on air."""
    body = json_body()
    question = load_question(question_id)
    verbs.take_on_air(question, actor(), version=body.get("version"))
    return _question_done(question)


@bp.post("/questions/<int:question_id>/put-back")
@permission_required(can_answer)
def put_back(question_id):
    """Take the on-air question back into its official's queue."""
    body = json_body()
    question = load_question(question_id)
    verbs.put_back_question(question, actor(), version=body.get("version"))
    return _question_done(question)


@bp.post("/questions/<int:question_id>/transfer")
@permission_required(can_answer)
def transfer(question_id):
    """Hand a routed or on-air question to another official."""
    body = json_body()
    question = load_question(question_id)
    verbs.transfer_question(question, actor(), body.get("official_id"), version=body.get("version"))
    return _question_done(question)


@bp.post("/questions/<int:question_id>/answer")
@permission_required(can_answer)
def answer(question_id):
    """Answer the on-air question, optionally committing to a follow-up."""
    body = json_body()
    question = load_question(question_id)
    verbs.answer_question(
        question,
        actor(),
        kind=body.get("kind"),
        text=body.get("text"),
        follow_up_unit=body.get("follow_up_unit"),
        follow_up_due=body.get("follow_up_due"),
        version=body.get("version"),
    )
    return _question_done(question)


@bp.post("/sessions/<int:session_id>/order")
@permission_required(can_triage)
def reorder(session_id):
    """Set the queue order of a session's open questions."""
    body = json_body()
    live_session = load_session(session_id)
    ordered = verbs.reorder_queue(live_session, actor(), body.get("order"))
    return commit_with(
        {
            "session": session_staff(live_session),
            "questions": [question_staff(q) for q in ordered],
        }
    )


@bp.post("/sessions/<int:session_id>/operator-questions")
@permission_required(can_enter_questions)
def operator_question(session_id):
    """Store a question phoned in to 137, entered by the logged-in operator."""
    body = json_body()
    live_session = load_session(session_id)
    question, created = verbs.submit_from(
        live_session,
        body,
        idempotency_key=request.headers.get("Idempotency-Key"),
        operator=actor(),
    )
    return commit_with({"question": question_tracking(question)}, 201 if created else 200)


@bp.post("/sessions/<int:session_id>/open")
@permission_required(can_run_session)
def open_session(session_id):
    """Open a session for questions."""
    json_body()
    live_session = load_session(session_id)
    session_verbs.open_session(live_session, actor())
    return commit_with({"session": session_staff(live_session)})


@bp.post("/sessions/<int:session_id>/start")
@permission_required(can_run_session)
def start_session(session_id):
    """Put a session on the air."""
    json_body()
    live_session = load_session(session_id)
    session_verbs.start_session(live_session, actor())
    return commit_with({"session": session_staff(live_session)})


@bp.post("/sessions/<int:session_id>/close")
@permission_required(can_run_session)
def close_session(session_id):
    """Close a session, carrying over or following up every unfinished question."""
    body = json_body()
    live_session = load_session(session_id)
    summary = session_verbs.close_session(live_session, actor(), body.get("disposition"))
    return commit_with({"session": session_staff(live_session), "summary": summary})

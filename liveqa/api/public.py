"""Public endpoints: sessions, the board, tracking, submitting and supporting."""

from flask import Blueprint, request
from sqlalchemy import select

from liveqa.api import openapi
from liveqa.api.common import commit_with, json_body, load_session
from liveqa.auth import client_id
from liveqa.domain import questions as verbs
from liveqa.domain.board import board_questions
from liveqa.domain.sessions import find_current_session, find_next_session
from liveqa.extensions import db
from liveqa.models import Category, District, Official
from liveqa.serializers import (
    category_json,
    district_json,
    official_json,
    public_snapshot,
    question_public,
    question_tracking,
    session_json,
)

bp = Blueprint("public", __name__)


@bp.get("/openapi.json")
def openapi_document():
    """Return the OpenAPI description of this API."""
    return openapi.spec()


@bp.get("/sessions/current")
def current_session():
    """Return the session to show now, and the one after it."""
    found = find_current_session()
    return {"session": session_json(found), "next_session": session_json(find_next_session(found))}


@bp.get("/sessions/<int:session_id>")
def get_session(session_id):
    """Return one session."""
    return {"session": session_json(load_session(session_id))}


@bp.get("/sessions/<int:session_id>/questions")
def session_questions(session_id):
    """Return a session's public questions, by support or newest first."""
    found = board_questions(load_session(session_id), request.args.get("order", "support"))
    return {"questions": [question_public(q) for q in found]}


@bp.get("/sessions/<int:session_id>/snapshot")
def session_snapshot(session_id):
    """Return the public board with the sequence number it reflects."""
    return public_snapshot(load_session(session_id))


@bp.get("/questions/<code>")
def track_question(code):
    """Return a question by its tracking code (any digit script)."""
    question = verbs.find_tracked_question(code, request.remote_addr or "")
    return {"question": question_tracking(question)}


@bp.post("/sessions/<int:session_id>/questions")
def submit_question(session_id):
    """Store a citizen's question; a repeated idempotency key returns the first one."""
    body = json_body()
    live_session = load_session(session_id)
    question, created = verbs.submit_from(
        live_session,
        body,
        idempotency_key=request.headers.get("Idempotency-Key"),
        client_id=client_id(),
    )
    return commit_with({"question": question_tracking(question)}, 201 if created else 200)


@bp.post("/questions/<int:question_id>/support")
def support_question(question_id):
    """Add this browser's support to a question."""
    json_body()
    # One statement, no load first: the verb tells an unknown question from a closed one.
    done = verbs.support_question(question_id, client_id(), request.remote_addr)
    return commit_with({"question_id": done.question_id, "support_count": done.support_count}, 201)


@bp.get("/categories")
def categories():
    """Return the question categories in display order."""
    found = db.session.scalars(select(Category).order_by(Category.position, Category.id))
    return {"categories": [category_json(c) for c in found]}


@bp.get("/districts")
def districts():
    """Return the municipal districts by number."""
    found = db.session.scalars(select(District).order_by(District.number))
    return {"districts": [district_json(d) for d in found]}


@bp.get("/officials")
def officials():
    """Return the active officials by rank."""
    found = db.session.scalars(
        select(Official).where(Official.active).order_by(Official.rank, Official.id)
    )
    return {"officials": [official_json(o) for o in found]}

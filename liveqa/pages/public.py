"""Public pages: the citizen page, question tracking, the big screen, staff login."""

import uuid
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from liveqa.auth import client_id
from liveqa.domain.accounts import log_in, log_out
from liveqa.domain.board import (
    ORDERS,
    WAITING,
    answered_questions,
    asked_by,
    board_questions,
    supported_by,
)
from liveqa.domain.errors import DomainError, NotFound
from liveqa.domain.lifecycle import accepts_questions
from liveqa.domain.permissions import home_page
from liveqa.domain.questions import find_tracked_question, submit_from, support_question
from liveqa.domain.sessions import find_current_session, find_next_session
from liveqa.domain.tracking import parse_code
from liveqa.domain.validation import MAX_QUESTION_CHARS
from liveqa.extensions import db
from liveqa.models import (
    Category,
    District,
    LiveSession,
    Question,
    SessionStatus,
)
from liveqa.serializers import public_snapshot, question_public, question_tracking

bp = Blueprint("public", __name__)

FORM_FIELDS = ("text", "name", "category_id", "district_id", "phone", "idempotency_key")


def _choices():
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id))
    districts = db.session.scalars(select(District).order_by(District.number))
    return list(categories), list(districts)


def _board(live_session: LiveSession | None, order: str) -> dict:
    """Return what the citizen page shows of LIVE_SESSION: the board and this browser's part."""
    if live_session is None:
        return {"snapshot": None, "waiting": [], "answers": [], "supported": [], "mine": []}
    browser = client_id()
    return {
        "snapshot": public_snapshot(live_session),
        "waiting": [question_public(q) for q in board_questions(live_session, order, WAITING)],
        "answers": [question_public(q) for q in answered_questions(live_session)],
        "supported": supported_by(live_session, browser),
        "mine": [question_tracking(q) for q in asked_by(browser)],
    }


def _outcomes(live_session: LiveSession) -> dict:
    rows = db.session.execute(
        select(Question.status, func.count(Question.id))
        .where(Question.session_id == live_session.id)
        .group_by(Question.status)
    ).all()
    return {str(status): count for status, count in rows}


def _citizen_page(form: dict | None = None, error: DomainError | None = None, status: int = 200):
    order = request.args.get("order") if request.args.get("order") in ORDERS else "support"
    live_session = find_current_session()
    next_session = None
    if live_session is None or live_session.status == SessionStatus.CLOSED:
        next_session = find_next_session(live_session) if live_session is not None else None
    categories, districts = _choices()
    form = form or {}
    form.setdefault("idempotency_key", uuid.uuid4().hex)
    closed = live_session is not None and live_session.status == SessionStatus.CLOSED
    return (
        render_template(
            "citizen/index.html",
            live_session=live_session,
            next_session=next_session,
            accepting=accepts_questions(live_session),
            outcomes=_outcomes(live_session) if closed else None,
            board=_board(live_session, order),
            order=order,
            categories=categories,
            districts=districts,
            form=form,
            error=error,
            max_chars=MAX_QUESTION_CHARS,
        ),
        status,
    )


@bp.get("/")
def citizen():
    """Show the current session, the ask form and the live board."""
    return _citizen_page()


@bp.post("/")
def ask():
    """Store a question sent with JavaScript off, then show its tracking code."""
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    live_session = find_current_session()
    try:
        if live_session is None:
            raise DomainError(_("There is no session taking questions now."), code="no_session")
        # Going Back, editing and sending the form again asks a new question.
        question, _created = submit_from(
            live_session, form, client_id=client_id(), on_key_reuse="new"
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _citizen_page(form, error, 422 if error.status in (400, 422) else error.status)
    return redirect(url_for(".tracking", code=question.tracking_code, new=1), 303)


@bp.post("/support/<int:question_id>")
def support(question_id: int):
    """Support a question from the board with JavaScript off."""
    try:
        support_question(question_id, client_id(), request.remote_addr)
        db.session.commit()
    except NotFound:
        db.session.rollback()
        abort(404)
    except DomainError:
        db.session.rollback()  # already supported or no longer open: the board shows which
    return redirect(url_for(".citizen", _anchor=f"q-{question_id}"), 303)


@bp.get("/track")
def track():
    """Look a question up by tracking code (any digit script)."""
    raw = request.args.get("code", "").strip()
    if not raw:
        return render_template("citizen/track_lookup.html", raw="", error=None)
    code = parse_code(raw)
    if code is None:
        error = _("This is not a valid tracking code; check the digits and try again.")
        return render_template("citizen/track_lookup.html", raw=raw, error=error), 422
    return redirect(url_for(".tracking", code=code))


@bp.get("/track/<code>")
def tracking(code: str):
    """Show one question's status, answer and outcome to its asker."""
    try:
        question = find_tracked_question(code, request.remote_addr or "")
    except NotFound:
        error = _("No question has this tracking code.")
        return render_template("citizen/track_lookup.html", raw=code, error=error), 404
    carried_to = (
        db.session.get(LiveSession, question.carried_to_session_id)
        if question.carried_to_session_id
        else None
    )
    carried_from = (
        db.session.get(LiveSession, question.carried_from_session_id)
        if question.carried_from_session_id
        else None
    )
    return render_template(
        "citizen/track.html",
        question=question,
        q=question_tracking(question),
        carried_to=carried_to,
        carried_from=carried_from,
        is_new=request.args.get("new") == "1",
    )


@bp.get("/screen/current")
def screen_current():
    """Send the big screen to the current session."""
    live_session = find_current_session()
    if live_session is None:
        return render_template("screen/screen.html", live_session=None, snapshot=None)
    return redirect(url_for(".screen", session_id=live_session.id))


@bp.get("/screen/<int:session_id>")
def screen(session_id: int):
    """Show the hall's big screen for one session."""
    live_session = db.session.get(LiveSession, session_id)
    if live_session is None:
        abort(404)
    return render_template(
        "screen/screen.html", live_session=live_session, snapshot=public_snapshot(live_session)
    )


def _safe_next(target: str | None) -> str | None:
    """Return TARGET if it is a path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the staff login form and log staff in."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url or home_page(current_user))
        return render_template("login.html", next_url=next_url, username="", error=None)
    username = request.form.get("username", "")
    user = log_in(username, request.form.get("password", ""), request.remote_addr or "")
    if user is None:
        db.session.rollback()
        error = _("The user name or password is not correct.")
        return (
            render_template("login.html", next_url=next_url, username=username, error=error),
            401,
        )
    login_user(user)
    return redirect(next_url or home_page(user), 303)


@bp.post("/logout")
def logout():
    """Log the staff member out."""
    if current_user.is_authenticated:
        # Server-side too: a copy of this cookie, and the user's sockets, stop working.
        log_out(current_user)
        db.session.commit()
    logout_user()
    return redirect(url_for(".citizen"), 303)

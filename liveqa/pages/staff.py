"""Staff pages: the moderator desk and the official panel."""

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from liveqa.auth import permission_required
from liveqa.domain.labels import REJECT_REASON
from liveqa.domain.lifecycle import FINISHED, OPEN_STATUSES
from liveqa.domain.permissions import (
    MERGE_INTO,
    can_run_session,
    can_triage,
    can_use_desk,
    can_use_panel,
    is_official,
    is_operator,
    page_access,
    page_user,
)
from liveqa.domain.sessions import find_current_session, next_session_after
from liveqa.extensions import db
from liveqa.models import Category, District, Official, QuestionStatus, RejectReason
from liveqa.serializers import (
    category_json,
    district_json,
    official_json,
    session_json,
    session_staff,
)

bp = Blueprint("staff", __name__)

API_PREFIX = "/api/v1"


def _shared_strings() -> dict:
    return {
        "no_category": _("No category"),
        "no_district": _("No district"),
        "no_official": _("Not routed"),
        "choose_official": _("Choose an official…"),
        "supporters": _("%(count)s supporters"),
        "asker": _("Asker"),
        "anonymous": _("Anonymous"),
        "edited": _("Edited text (shown publicly)"),
        "verbatim": _("Original, as the citizen wrote it"),
        "code": _("Code %(code)s"),
        "stale_reloaded": _("This question was changed by someone else; it has been reloaded."),
        "empty": _("No questions here."),
        "transfer": _("Transfer"),
        "follow_up": _("Follow-up: %(unit)s by %(date)s"),
        "official_title": _("%(name)s, %(title)s"),
    }


def desk_strings() -> dict:
    """Return the desk's JavaScript strings, translated for this request."""
    return _shared_strings() | {
        # Between the kinds of personal number the desk's privacy flag lists.
        "list_separator": _(", "),
        "approve": _("Approve"),
        "reject": _("Reject"),
        "confirm_reject": _("Reject question"),
        "reason": _("Reason"),
        "note": _("Note to the asker (optional)"),
        "edit": _("Edit"),
        "save_edit": _("Save edit"),
        "edited_text": _("Edited text"),
        "merge": _("Merge"),
        "merge_into": _("Merge into"),
        "confirm_merge": _("Merge questions"),
        "choose_question": _("Choose a question…"),
        "cancel": _("Cancel"),
        "category": _("Category"),
        "district": _("District"),
        "classify": _("Save category"),
        "official": _("Official"),
        "route": _("Route"),
        "reroute": _("Re-route"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "done.approved": _("Question %(id)s approved."),
        "done.rejected": _("Question %(id)s rejected."),
        "done.edited": _("Question %(id)s edited."),
        "done.merged": _("Question %(id)s merged into %(into)s."),
        "done.classified": _("Question %(id)s classified."),
        "done.routed": _("Question %(id)s routed."),
        "done.order": _("Queue order saved."),
        "done.session": _("Session is now: %(status)s"),
        "merged_into": _("Merged into question %(id)s"),
        "rejected_because": _("Rejected: %(reason)s"),
        "answered_by": _("Answered by %(name)s"),
        "operator_done": _("Read this tracking code to the caller:"),
        "operator_saved": _("Question saved."),
    }


def panel_strings() -> dict:
    """Return the panel's JavaScript strings, translated for this request."""
    return _shared_strings() | {
        "on_air": _("Take on air"),
        "put_back": _("Put back"),
        "all_officials": _("All officials"),
        "nothing_routed": _("No questions are waiting for you."),
        "nothing_answered": _("Nothing answered yet."),
        "nothing_on_air": _("Nothing on air. Choose a question below and take it on air."),
        "answer_text": _("Answer"),
        "answer_summary": _("Summary of the spoken answer"),
        "done.on_air": _("Question %(id)s is on air."),
        "done.put_back": _("Question %(id)s was put back."),
        "done.transferred": _("Question %(id)s was transferred."),
        "done.answered": _("Answer to question %(id)s saved."),
        "another_official": _("Routed to %(name)s"),
        "due_preview": _("Due: %(date)s"),
    }


def page_data(live_session) -> dict:
    """Return what a staff page embeds as JSON: session, lookups and the current user."""
    following = next_session_after(live_session) if live_session is not None else None
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id))
    districts = db.session.scalars(select(District).order_by(District.number))
    officials = db.session.scalars(
        select(Official).where(Official.active).order_by(Official.rank, Official.id)
    )
    return {
        "api": API_PREFIX,
        "session": session_staff(live_session),
        "next_session": session_json(following),
        "categories": [category_json(c) for c in categories],
        "districts": [district_json(d) for d in districts],
        "officials": [official_json(o) for o in officials],
        "reject_reasons": [
            {"value": reason.value, "label": str(REJECT_REASON[reason])} for reason in RejectReason
        ],
        "lifecycle": {
            "open": [s.value for s in QuestionStatus if s in OPEN_STATUSES],
            "finished": [s.value for s in QuestionStatus if s in FINISHED],
            "merge_into": [s.value for s in QuestionStatus if s in MERGE_INTO],
        },
        "user": page_user(current_user),
        "access": page_access(current_user),
    }


@bp.get("/moderate")
@permission_required(can_use_desk)
def moderate():
    """Show the moderator desk: the live queue, triage, session controls, 137 entry."""
    live_session = find_current_session()
    data = page_data(live_session)
    return render_template(
        "staff/desk.html",
        live_session=live_session,
        data=data,
        strings=desk_strings(),
        can_triage=can_triage(current_user),
        can_run_session=can_run_session(current_user),
        is_operator=is_operator(current_user),
        reject_reasons=data["reject_reasons"],
    )


@bp.get("/panel")
@permission_required(can_use_panel)
def panel():
    """Show the official's panel: routed questions, on air, the answer form."""
    live_session = find_current_session()
    return render_template(
        "staff/panel.html",
        live_session=live_session,
        data=page_data(live_session),
        strings=panel_strings(),
        is_official=is_official(current_user),
    )

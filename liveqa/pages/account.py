"""The staff member's own account: setting up the second factor (TOTP)."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from liveqa.auth import permission_required
from liveqa.domain.errors import DomainError
from liveqa.domain.permissions import home_page, is_staff
from liveqa.domain.second_factor import (
    confirm_enrolment,
    must_enrol,
    pending_enrolment,
    start_enrolment,
)
from liveqa.extensions import db

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(error=None, status=200):
    user = current_user
    return (
        render_template(
            "account/second_factor.html",
            enabled=user.totp_enabled,
            required=must_enrol(user),
            enrolment=pending_enrolment(user),
            error=error,
        ),
        status,
    )


@bp.get("/second-factor")
@permission_required(is_staff)
def second_factor():
    """Show the second factor: on, or the QR code and secret of an enrolment to confirm."""
    return _page()


@bp.post("/second-factor/start")
@permission_required(is_staff)
def start_second_factor():
    """Start an enrolment (a new secret) and show its QR code."""
    try:
        start_enrolment(current_user._get_current_object())
        db.session.commit()
    except DomainError:
        db.session.rollback()  # already on: the page says so
    return redirect(url_for(".second_factor"), 303)


@bp.post("/second-factor")
@permission_required(is_staff)
def confirm_second_factor():
    """Turn the second factor on with a code from the app."""
    try:
        confirm_enrolment(current_user._get_current_object(), request.form.get("otp", ""))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _page(str(error.message), 422 if error.status in (400, 422) else error.status)
    return redirect(home_page(current_user), 303)

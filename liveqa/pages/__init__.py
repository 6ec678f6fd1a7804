"""Server-rendered pages: the public screens (public.py) and the staff screens (staff.py)."""

from datetime import date, datetime

from flask import Blueprint, current_app, request

from liveqa.i18n import LOCALE_COOKIE
from liveqa.pages import account, health, public, staff


def _remember_language(response):
    """Keep the language chosen with ?lang= in a cookie for the next pages."""
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"] and request.cookies.get(LOCALE_COOKIE) != chosen:
        response.set_cookie(LOCALE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def parse_iso(value: str | None) -> date | datetime | None:
    """Return the date or datetime an API-shaped ISO string VALUE names (for |jdate)."""
    if not value:
        return None
    return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)


def init_app(app) -> None:
    """Register the pages (one blueprint holding each route module's own) and their hooks."""
    app.add_template_filter(parse_iso, "isodate")
    app.after_request(_remember_language)
    pages = Blueprint("pages", __name__)
    for routes in (public, staff, account, health):
        pages.register_blueprint(routes.bp)
    app.register_blueprint(pages)

"""Server-rendered pages: the public screens (public.py) and the staff screens (staff.py)."""

from datetime import date, datetime

from flask import Blueprint, current_app, request

from liveqa.i18n import LOCALE_COOKIE

bp = Blueprint("pages", __name__)

# The route modules register their views on `bp`; imported for that side effect.
from liveqa.pages import public, staff  # noqa: E402, F401


@bp.after_app_request
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
    """Register the pages blueprint and the ISO-string template filter."""
    app.add_template_filter(parse_iso, "isodate")
    app.register_blueprint(bp)

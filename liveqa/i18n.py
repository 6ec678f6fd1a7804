"""Locale choice, Jalali dates and Persian digits."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import jdatetime
from flask import current_app, has_request_context, request
from flask_babel import get_locale

from liveqa.domain.labels import label, served_labels
from liveqa.domain.text import persian_digits

LOCALE_COOKIE = "liveqa_lang"
_FA_WEEKDAYS = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")
_FA_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


def select_locale() -> str:
    """Pick the locale: ?lang=, then the language cookie, then (API only) Accept-Language."""
    supported = current_app.config["LANGUAGES"]
    if has_request_context():
        for candidate in (request.args.get("lang"), request.cookies.get(LOCALE_COOKIE)):
            if candidate in supported:
                return candidate
        # Pages are Persian unless the reader switches: a phone set to English is common
        # in Qom and says little about the language its owner reads. API clients choose.
        if request.path.startswith("/api/"):
            best = request.accept_languages.best_match(supported)
            if best:
                return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    """Return the active locale's language code."""
    locale = get_locale()
    return locale.language if locale is not None else "fa"


def local_time(value: datetime) -> datetime:
    """Return VALUE (aware) in the city's time zone."""
    return value.astimezone(ZoneInfo(current_app.config["TIME_ZONE"]))


def format_date(value: date | datetime | None, *, with_time: bool = False) -> str:
    """Return VALUE as the user reads dates: Jalali in Persian digits, or English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_time(value)
    if current_locale() != "fa":
        text = value.strftime("%A %-d %B %Y")
        if with_time and isinstance(value, datetime):
            text += value.strftime(", %H:%M")
        return text
    day = value.date() if isinstance(value, datetime) else value
    jalali = jdatetime.date.fromgregorian(date=day)
    month = _FA_MONTHS[jalali.month - 1]
    text = f"{_FA_WEEKDAYS[day.weekday()]} {jalali.day} {month} {jalali.year}"
    if with_time and isinstance(value, datetime):
        text += f"، ساعت {value:%H:%M}"
    return persian_digits(text)


def format_time(value: datetime | None) -> str:
    """Return the local clock time of VALUE, with Persian digits in Persian."""
    if value is None:
        return ""
    text = f"{local_time(value):%H:%M}"
    return persian_digits(text) if current_locale() == "fa" else text


def localize_digits(value) -> str:
    """Return VALUE with Persian digits when the locale is Persian."""
    return persian_digits(value) if current_locale() == "fa" else str(value)


def list_comma() -> str:
    """Return the comma that joins phrases in the active language."""
    return "، " if current_locale() == "fa" else ", "


def init_app(app) -> None:
    """Register the template filters and globals for dates and digits."""
    app.add_template_filter(format_date, "jdate")
    app.add_template_filter(lambda v: format_date(v, with_time=True), "jdatetime")
    app.add_template_filter(format_time, "jtime")
    app.add_template_filter(localize_digits, "digits")
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["comma"] = list_comma
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["served_labels"] = served_labels

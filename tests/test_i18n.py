"""Persian first: locale choice, Jalali dates, and a complete Persian catalog."""

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from liveqa.i18n import format_date, format_time, list_comma, select_locale

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_msgids() -> set[str]:
    method_map = [("liveqa/**.py", "python"), ("templates/**.html", "jinja2")]
    ids = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            ids.update(m for m in message if m)
        elif message:
            ids.add(message)
    return ids


def test_every_source_string_has_a_persian_translation():
    with open(ROOT / "liveqa/translations/fa/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale="fa")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id
        and m.string
        and not m.fuzzy
        and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(_source_msgids() - translated)
    assert not missing, f"{len(missing)} strings lack a Persian translation: {missing[:10]}"


@pytest.mark.parametrize(
    ("path", "cookie", "accept", "expected"),
    [
        ("/", None, None, "fa"),
        ("/", None, "en-US,en;q=0.9", "fa"),
        ("/api/v1/sessions/current", None, "en-US,en;q=0.9", "en"),
        ("/api/v1/sessions/current", None, None, "fa"),
        ("/?lang=en", None, None, "en"),
        ("/?lang=fa", None, "en", "fa"),
        ("/api/v1/sessions/current?lang=fa", None, "en", "fa"),
        ("/", "en", None, "en"),
        ("/?lang=xx", None, "de", "fa"),
    ],
)
def test_locale_choice(app, path, cookie, accept, expected):
    headers = {"Accept-Language": accept} if accept else {}
    if cookie:
        headers["Cookie"] = f"liveqa_lang={cookie}"
    with app.test_request_context(path, headers=headers):
        assert select_locale() == expected


def test_jalali_date_with_persian_digits(app):
    with app.test_request_context("/"), force_locale("fa"):
        assert format_date(date(2025, 12, 3)) == "چهارشنبه ۱۲ آذر ۱۴۰۴"
        # 06:30 UTC is 10:00 in Tehran (UTC+03:30).
        moment = datetime(2025, 12, 3, 6, 30, tzinfo=UTC)
        assert format_time(moment) == "۱۰:۰۰"
        assert format_date(moment, with_time=True) == "چهارشنبه ۱۲ آذر ۱۴۰۴، ساعت ۱۰:۰۰"


def test_english_dates_stay_gregorian(app):
    with app.test_request_context("/"), force_locale("en"):
        assert format_date(date(2025, 12, 3)) == "Wednesday 3 December 2025"


@pytest.mark.parametrize(("locale", "comma"), [("fa", "، "), ("en", ", ")])
def test_phrases_join_with_the_languages_comma(app, locale, comma):
    with app.test_request_context("/"), force_locale(locale):
        assert list_comma() == comma


def test_script_strings_follow_each_requests_language(client, factory):
    # The tracking page's JavaScript strings come from a shared template imported with
    # the request's context; cached once, every reader would get the first one's language.
    question = factory.question()
    code = question.tracking_code

    def script_strings(url):
        page = client.get(url).get_data(as_text=True)
        block = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', page, re.S)
        return json.loads(block.group(1))

    assert script_strings(f"/track/{code}")["tracking_code"] == "کد پیگیری"
    assert script_strings(f"/track/{code}?lang=en")["tracking_code"] == "Tracking code"
    assert script_strings(f"/track/{code}?lang=fa")["tracking_code"] == "کد پیگیری"

"""Cleaning and folding of citizens' Persian text."""

import re
import unicodedata

from flask_babel import LazyString, get_locale

ZWNJ = "\u200c"
ZWJ = "\u200d"
# Bidi embeddings, overrides and isolates can make text display differently from what
# is stored (the "Trojan Source" trick), so they are removed; plain marks are kept.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEEP_FORMAT = {ZWNJ, ZWJ, "\u200e", "\u200f"}
# A lone surrogate (a JSON \ud800 escape, or a JavaScript slice through an emoji) has no
# UTF-8 form: SQLite's driver, PostgreSQL and argon2 all fail on it, so it is never kept.
_SURROGATES = re.compile("[\ud800-\udfff]")
# One or two of the kept marks in a row have a use (ZWNJ inside a word, an RLM beside a
# number); a long run only shifts or hides what is around it.
MAX_MARK_RUN = 2
# Persian needs at most about three marks on one letter (shadda, a vowel, a small alef);
# hundreds ("Zalgo" text) smear over the lines around them on the big screen.
MAX_COMBINING_RUN = 4

_DIGITS = {}
for _i in range(10):
    _DIGITS[ord("۰") + _i] = str(_i)  # Extended Arabic-Indic (Persian)
    _DIGITS[ord("٠") + _i] = str(_i)  # Arabic-Indic
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_FOLD_LETTERS = str.maketrans(
    {"ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "آ": "ا"}
)


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Return VALUE without control, bidi-override, stray format and unstorable characters."""
    value = _SURROGATES.sub("", value)
    # A lone CR is a line break too (old Mac style); dropping it would glue words together.
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    out = []
    marks = combining = 0
    for ch in value:
        piece = _clean_char(ch, multiline)
        if not piece:
            continue
        # Runs are counted in what is kept, so removed noise cannot split one.
        marks = marks + 1 if piece in _KEEP_FORMAT else 0
        combining = combining + 1 if unicodedata.category(piece) in ("Mn", "Me") else 0
        if marks > MAX_MARK_RUN or combining > MAX_COMBINING_RUN:
            continue
        out.append(piece)
    cleaned = "".join(out)
    cleaned = re.sub(r"[ \u00a0]+", " ", cleaned)
    cleaned = re.sub(r" *\n *", "\n", cleaned)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    return cleaned.strip()


def _clean_char(ch: str, multiline: bool) -> str:
    """Return what CH becomes in cleaned text: itself, a space, a newline or nothing."""
    if ch in _BIDI_CONTROLS:
        return ""
    cat = unicodedata.category(ch)
    if ch == "\n":
        return "\n" if multiline else " "
    if ch == "\t":
        return " "
    if cat == "Cc" or ch in "\u2028\u2029":
        return " " if ch in "\u2028\u2029" else ""
    if cat == "Cf" and ch not in _KEEP_FORMAT:
        return ""
    return ch


def storable(value: str) -> bool:
    """Return whether every database and the password hasher can take VALUE as it is."""
    # PostgreSQL refuses NUL in text; nothing can encode a lone surrogate.
    return "\x00" not in value and _SURROGATES.search(value) is None


def ascii_digits(value: str) -> str:
    """Return VALUE with Persian and Arabic-Indic digits turned into ASCII ones."""
    return value.translate(_DIGITS)


def persian_digits(value) -> str:
    """Return VALUE as a string with ASCII digits written as Persian ones."""
    return str(value).translate(_PERSIAN_DIGITS)


def fold(value: str) -> str:
    """Return a search key: letter forms, digits, ZWNJ and diacritics folded."""
    value = ascii_digits(clean_text(value)).translate(_FOLD_LETTERS)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Mn")
    value = value.replace(ZWNJ, " ").replace(ZWJ, "")
    return re.sub(r"\s+", " ", value).strip().casefold()


def local_number(value) -> LazyString:
    """Return VALUE as text that, when shown, uses Persian digits in Persian."""
    return LazyString(lambda: persian_digits(value) if _reads_persian() else str(value))


def _reads_persian() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "fa"

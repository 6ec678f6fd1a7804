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

_DIGITS = {}
for _i in range(10):
    _DIGITS[ord("۰") + _i] = str(_i)  # Extended Arabic-Indic (Persian)
    _DIGITS[ord("٠") + _i] = str(_i)  # Arabic-Indic
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_FOLD_LETTERS = str.maketrans(
    {"ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "آ": "ا"}
)


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Return VALUE without control, bidi-override and stray format characters."""
    # A lone CR is a line break too (old Mac style); dropping it would glue words together.
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in value:
        if ch in _BIDI_CONTROLS:
            continue
        cat = unicodedata.category(ch)
        if ch in "\r\n" and multiline:
            out.append("\n" if ch == "\n" else "")
        elif ch == "\t":
            out.append(" ")
        elif cat == "Cc" or ch in "\u2028\u2029":
            out.append(" " if ch in "\r\n\u2028\u2029" else "")
        elif cat == "Cf" and ch not in _KEEP_FORMAT:
            continue
        else:
            out.append(ch)
    cleaned = "".join(out)
    cleaned = re.sub(r"[ \u00a0]+", " ", cleaned)
    cleaned = re.sub(r" *\n *", "\n", cleaned)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    return cleaned.strip()


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

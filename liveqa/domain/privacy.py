"""Personal numbers in free text: phone numbers, national IDs and bank cards, found and masked.

Citizens write their mobile number, their national ID (کد ملی) or a card number into a
question or into the name field, in any digit script. Published verbatim, that number
reaches every board, socket and the hall's screen. `find_numbers()` finds them;
`mask_numbers()` hides their digits; `number_kinds()` names what was found for the desk.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from stdnum import luhn

from liveqa.domain.text import ascii_digits


class NumberKind(StrEnum):
    """What a personal number found in text is."""

    PHONE = "phone"
    NATIONAL_ID = "national_id"
    CARD = "card"


@dataclass(frozen=True)
class Found:
    """A personal number in a text: its kind and its [start, end) span."""

    kind: NumberKind
    start: int
    end: int


MASK = "•"
REGION = "IR"
# A local landline written without its area code is read as one of this area (Qom).
LOCAL_AREA_CODE = "025"
# Digits with at most two separators between each pair: "0912 345 6789", "001-354241-9",
# "(025) 3784 1234", "6037.9912.3456.7893", "+98 912 ...". Slashes and commas end a run:
# dates (1405/09/10) and amounts (150,000,000) are not numbers of a person.
_RUN = re.compile(r"\+?\(?[0-9](?:[\s\-.()]{0,2}[0-9])*")
_SEPARATOR = re.compile(r"[\s\-.()]")
# Characters that join a run of digits to a link or an identifier around it.
_JOINED = "/@=_&?%#"
# A date written with dots or dashes (1405.09.10, 10-09-1405) is a run of digits too.
_DATE = re.compile(r"\d{4}\D\d{1,2}\D\d{1,2}|\d{1,2}\D\d{1,2}\D\d{4}")
# Words that say the next number is a phone number. A local number (8 digits, no area
# code) counts only when grouped like one (3784 1234) or after such a word: a bare run of
# 8 digits is as often an amount, a file number or a code.
_PHONE_WORD = re.compile(r"(تلفن|تماس|شماره|موبایل|همراه|زنگ|phone|tel|call)\W{0,6}$", re.I)


def _valid_national_id(digits: str) -> bool:
    """Return whether DIGITS is an Iranian national ID (کد ملی) with its check digit."""
    # The published algorithm: weights 10..2 on the first nine digits, sum mod 11;
    # the check digit is that remainder below 2, else 11 minus it.
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = remainder if remainder < 2 else 11 - remainder
    return int(digits[9]) == check


def _valid_phone(digits: str, number_type=None) -> bool:
    """Return whether DIGITS, dialled in Iran, is a valid number (of NUMBER_TYPE, if given)."""
    try:
        number = phonenumbers.parse(digits, REGION)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    return number_type is None or phonenumbers.number_type(number) == number_type


def _embedded(text: str, start: int, end: int) -> bool:
    """Return whether the run at [START, END) of TEXT is part of an address, a word or a code."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    # Latin letters and URL punctuation: a link, an IP address, a product code. Persian
    # letters are not: «شماره۰۹۱۲…» is often typed without a space.
    return (before.isascii() and (before.isalpha() or before in _JOINED)) or (
        after.isascii() and (after.isalpha() or after in _JOINED)
    )


def _kind_of_run(text: str, start: int, run: str) -> NumberKind | None:
    """Return what the digit run RUN at START of TEXT is, if it is a personal number."""
    if _DATE.fullmatch(run.strip()) or _embedded(text, start, start + len(run)):
        return None
    digits = re.sub(r"\D", "", run)
    # Card numbers start 2-6 (Shetab 6…, Visa 4, Mastercard 2 and 5); runs of years do not.
    if len(digits) == 16 and digits[0] in "23456" and luhn.is_valid(digits):
        return NumberKind.CARD
    if len(digits) == 10 and _valid_national_id(digits):
        return NumberKind.NATIONAL_ID
    # A mobile number without its leading 0: 912 345 6789.
    if len(digits) == 10 and digits[0] == "9" and _valid_phone("0" + digits):
        return NumberKind.PHONE
    # Dots group versions, addresses (203.0.113.7) and dates, not local phone numbers.
    if len(digits) == 8 and digits[0] in "23456789" and "." not in run:
        grouped = _SEPARATOR.search(run.strip("()+")) is not None
        named = _PHONE_WORD.search(text[max(0, start - 30) : start]) is not None
        fixed = phonenumbers.PhoneNumberType.FIXED_LINE
        if (grouped or named) and _valid_phone(LOCAL_AREA_CODE + digits, fixed):
            return NumberKind.PHONE
    return None


@lru_cache(maxsize=8192)
def find_numbers(text: str | None) -> tuple[Found, ...]:
    """Return the personal numbers in TEXT, in order, with their spans in TEXT."""
    if not text:
        return ()
    # Persian and Arabic-Indic digits map one to one, so spans hold for TEXT itself.
    plain = ascii_digits(text)
    found = []
    matcher = phonenumbers.PhoneNumberMatcher(plain, REGION, leniency=phonenumbers.Leniency.VALID)
    for match in matcher:
        found.append(Found(NumberKind.PHONE, match.start, match.end))
    # The rest is read run by run, with the phone numbers already found blanked out.
    rest = list(plain)
    for item in found:
        rest[item.start : item.end] = "_" * (item.end - item.start)
    rest = "".join(rest)
    for run in _RUN.finditer(rest):
        kind = _kind_of_run(rest, run.start(), run.group())
        if kind is not None:
            start = run.start() + (len(run.group()) - len(run.group().lstrip("(+")))
            end = run.end()
            found.append(Found(kind, start, end))
    return tuple(sorted(found, key=lambda item: item.start))


def number_kinds(*texts: str | None) -> list[str]:
    """Return the kinds of personal number found in TEXTS, each once, in a fixed order."""
    kinds = {item.kind for text in texts for item in find_numbers(text)}
    return [kind.value for kind in NumberKind if kind in kinds]


def mask_numbers(text: str | None) -> str | None:
    """Return TEXT with the digits of every personal number in it replaced by MASK."""
    found = find_numbers(text)
    if not found:
        return text
    chars = list(text)
    for item in found:
        for i in range(item.start, item.end):
            if chars[i].isdigit():
                chars[i] = MASK
    return "".join(chars)

"""Tracking codes: eight digits with a Damm check digit, typed in any digit script."""

import pytest

from liveqa.domain.text import persian_digits
from liveqa.domain.tracking import CODE_LENGTH, check_digit, display_code, new_code, parse_code

# Fixed sample codes (body + Damm check digit), so failures are reproducible.
BODIES = ["1234567", "9000001", "5550123", "8706421", "3141592", "2718281"]
CODES = [body + check_digit(body) for body in BODIES]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_check_digit_matches_the_published_damm_example():
    # Wikipedia's worked example: the check digit of 572 is 4.
    assert check_digit("572") == "4"
    assert check_digit("5724") == "0"


@pytest.mark.parametrize("code", CODES)
def test_parse_code_accepts_every_digit_script_and_separators(code):
    spaced = f" {code[:4]} {code[4:]} "
    dashed = f"{code[:4]}-{code[4:]}"
    for raw in (code, persian_digits(code), code.translate(ARABIC_INDIC), spaced, dashed):
        assert parse_code(raw) == code
    assert parse_code(persian_digits(dashed)) == code


@pytest.mark.parametrize("raw", ["", None, "1234", "123456789", "abcdefgh", "1234567x", "12.45678"])
def test_parse_code_rejects_malformed_input(raw):
    assert parse_code(raw) is None


@pytest.mark.parametrize("raw", [12345674, b"12345674", ["1"]])
def test_parse_code_rejects_values_that_are_not_text(raw):
    assert parse_code(raw) is None


@pytest.mark.parametrize("code", CODES)
def test_parse_code_rejects_wrong_lengths(code):
    assert parse_code(code[:-1]) is None
    assert parse_code(code + "0") is None
    assert parse_code("0" + code) is None


@pytest.mark.parametrize("code", CODES)
def test_parse_code_rejects_every_single_digit_error(code):
    for position in range(CODE_LENGTH):
        for digit in "0123456789":
            if digit == code[position]:
                continue
            typo = code[:position] + digit + code[position + 1 :]
            assert parse_code(typo) is None, typo


@pytest.mark.parametrize("code", CODES)
def test_parse_code_rejects_every_adjacent_transposition(code):
    for position in range(CODE_LENGTH - 1):
        a, b = code[position], code[position + 1]
        if a == b:
            continue
        swapped = code[:position] + b + a + code[position + 2 :]
        assert parse_code(swapped) is None, swapped


def test_new_code_is_always_valid_eight_digits_without_leading_zero():
    codes = {new_code() for _ in range(2000)}
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert code.isascii() and code.isdigit()
        assert code[0] != "0"
        assert parse_code(code) == code
    # Random, not a constant or a short cycle.
    assert len(codes) > 1900


def test_display_code_uses_persian_digits():
    assert display_code("12345674") == "۱۲۳۴۵۶۷۴"
    assert parse_code(display_code(CODES[0])) == CODES[0]

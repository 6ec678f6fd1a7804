"""Cleaning and folding of citizens' Persian text."""

import pytest

from liveqa.domain.text import ZWNJ, ascii_digits, clean_text, fold, persian_digits

C0_CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f"]
C1_CONTROLS = [chr(c) for c in range(0x80, 0xA0)]
BIDI_CONTROLS = [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]


@pytest.mark.parametrize("ch", C0_CONTROLS + C1_CONTROLS, ids=lambda ch: f"U+{ord(ch):04X}")
def test_clean_text_removes_control_characters(ch):
    assert clean_text(f"سلام{ch}دنیا") == "سلامدنیا"


@pytest.mark.parametrize("ch", BIDI_CONTROLS, ids=lambda ch: f"U+{ord(ch):04X}")
def test_clean_text_removes_bidi_embeddings_overrides_and_isolates(ch):
    assert clean_text(f"abc{ch}123{ch}") == "abc123"


def test_clean_text_removes_stray_format_characters_but_keeps_marks():
    # U+200B zero-width space and U+FEFF BOM are invisible noise; LRM/RLM are plain marks.
    assert clean_text("a\u200bb\ufeffc") == "abc"
    assert clean_text("a\u200eb\u200fc") == "a\u200eb\u200fc"


def test_clean_text_keeps_zwnj_and_zwj():
    word = f"می{ZWNJ}خواهم"
    assert clean_text(word) == word
    assert clean_text("a\u200db") == "a\u200db"


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  سلام   دنیا  ", "سلام دنیا"),
        ("a\tb", "a b"),
        ("a\u00a0\u00a0b", "a b"),
        ("line one  \n   line two", "line one\nline two"),
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\n\n\n\n\nb", "a\n\nb"),
        ("\n\n  a  \n\n", "a"),
        ("a\u2028b", "a b"),
    ],
)
def test_clean_text_normalizes_whitespace(raw, cleaned):
    assert clean_text(raw) == cleaned


def test_clean_text_single_line_turns_newlines_into_spaces():
    assert clean_text("a\nb\r\nc", multiline=False) == "a b c"


def test_clean_text_composes_to_nfc():
    assert clean_text("e\u0301") == "\u00e9"


def test_clean_text_of_only_noise_is_empty():
    assert clean_text("\u202e \x00\t\u2066 \n") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("علي", "علی"),  # Arabic yeh vs Persian yeh
        ("كتاب", "کتاب"),  # Arabic kaf vs Persian keheh
        ("خيابان ۱۲", "خیابان 12"),
        ("خيابان ١٢", "خیابان 12"),
        ("منطقه ٣", "منطقه ۳"),
        (f"می{ZWNJ}خواهم", "می خواهم"),
        ("  آب  ", "اب"),
        ("ABC", "abc"),
    ],
)
def test_fold_makes_spelling_variants_equal(a, b):
    assert fold(a) == fold(b)


def test_fold_removes_diacritics_and_bidi_controls():
    assert fold("مُدیر") == fold("مدیر")
    assert fold("\u202eمدیر\u202c") == "مدیر"


def test_fold_keeps_different_words_apart():
    assert fold("کتاب") != fold("کباب")


@pytest.mark.parametrize(
    ("ascii_form", "persian_form"),
    [("0123456789", "۰۱۲۳۴۵۶۷۸۹"), ("کد 12-34", "کد ۱۲-۳۴"), ("", "")],
)
def test_persian_and_ascii_digits_round_trip(ascii_form, persian_form):
    assert persian_digits(ascii_form) == persian_form
    assert ascii_digits(persian_form) == ascii_form
    assert ascii_digits(persian_digits(ascii_form)) == ascii_form
    assert persian_digits(ascii_digits(persian_form)) == persian_form


def test_ascii_digits_accepts_arabic_indic_digits():
    assert ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"


def test_persian_digits_accepts_numbers():
    assert persian_digits(137) == "۱۳۷"

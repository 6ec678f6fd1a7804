"""Personal numbers in free text: what is found and masked, and what ordinary text keeps."""

import pytest

from liveqa.domain.privacy import MASK, find_numbers, mask_numbers, number_kinds

# The 21 ways citizens wrote their numbers in the probe, and then some: every digit script,
# spaces, dashes, dots, parentheses, +98 and 0098, landlines of Qom and elsewhere.
PERSONAL = [
    ("شماره من 09123456789 است", "phone"),
    ("شماره۰۹۱۲۳۴۵۶۷۸۹", "phone"),
    ("تلفن: 3784-1234.", "phone"),
    ("کد ملی:0013542419", "national_id"),
    ("زنگ بزنید ۰۹۱۲۳۴۵۶۷۸۹ لطفا", "phone"),
    ("همراه: ٠٩١٢٣٤٥٦٧٨٩", "phone"),
    ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "phone"),
    ("0912-345-6789", "phone"),
    ("٠٩١٢-٣٤٥-٦٧٨٩", "phone"),
    ("0912.345.6789", "phone"),
    ("(0912) 345 6789", "phone"),
    ("+98 912 345 6789", "phone"),
    ("+۹۸۹۱۲۳۴۵۶۷۸۹", "phone"),
    ("0098 912 345 6789", "phone"),
    ("۰۰۹۸۹۳۵۱۲۳۴۵۶۷", "phone"),
    ("912 345 6789", "phone"),
    ("تلفن منزل ۰۲۵-۳۷۸۴۱۲۳۴ قم", "phone"),
    ("025 3784 1234", "phone"),
    ("(025) 37841234", "phone"),
    ("+98 25 3784 1234", "phone"),
    ("تماس: ۳۷۸۴۱۲۳۴", "phone"),
    ("۳۷۸۴ ۱۲۳۴", "phone"),
    ("تهران 021-88776655", "phone"),
    ("مشهد ۰۵۱۳۸۴۴۵۵۶۶", "phone"),
    ("کد ملی من 0013542419 است", "national_id"),
    ("کد ملی ۰۰۱۳۵۴۲۴۱۹", "national_id"),
    ("001-354241-9", "national_id"),
    ("کارت 6037991234567893", "card"),
    ("۶۰۳۷ ۹۹۱۲ ۳۴۵۶ ۷۸۹۳", "card"),
    ("٦٠٣٧-٩٩١٢-٣٤٥٦-٧٨٩٣", "card"),
]

# Ordinary numbers a question holds: years, dates, amounts, plates, addresses, short codes.
ORDINARY = [
    "از سال ۱۴۰۵ تا حالا",
    "سال 1403 و 1404 و 1405",
    "۱۴۰۲ ۱۴۰۳ ۱۴۰۴ ۱۴۰۵",
    "تاریخ ۱۴۰۵/۰۹/۱۰",
    "1405.09.10",
    "10-09-1405",
    "مبلغ 150000000 ریال",
    "مبلغ ۳۵۰۰۰۰۰۰ ریال",
    "۱۵۰ میلیون تومان",
    "۲,۵۰۰,۰۰۰ تومان",
    "پلاک ۱۲ ب ۳۴۵ ایران ۶۷",
    "پلاک 12 ب 345 - 67",
    "کوچه ۱۲ پلاک ۳۴ واحد ۵",
    "سامانه ۱۳۷",
    "خط ۱۲۳۴۵ اتوبوس",
    "ساعت 14:30",
    "کد رهگیری QA7K-3M9P",
    "1234567890",
    "۱۲۳۴۵۶۷۸",
    "منطقه ۷ شهرداری",
    '<img src="http://203.0.113.7/question.png">',
    "https://example.org/items/37841234",
    "نسخه 2.31.4501 برنامه",
    # A bare run of 8 digits is no phone number without a phone word or a phone's grouping.
    "شماره پرونده 37841234",
    "کد 37841234",
]


@pytest.mark.parametrize(("text", "kind"), PERSONAL)
def test_personal_numbers_are_found_and_masked(text, kind):
    assert number_kinds(text) == [kind]
    masked = mask_numbers(text)
    # Every digit of the number is gone; the words around it are kept.
    assert not any(ch.isdigit() for ch in masked), masked
    assert MASK in masked
    assert len(masked) == len(text)
    words = [w for w in text.split() if not any(ch.isdigit() for ch in w)]
    assert all(w in masked for w in words)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_numbers_are_kept(text):
    assert find_numbers(text) == ()
    assert mask_numbers(text) == text


def test_several_numbers_in_one_text_each_found():
    text = "موبایل ۰۹۱۲۳۴۵۶۷۸۹ و کد ملی 0013542419 و کارت 6037-9912-3456-7893 از سال ۱۴۰۵"
    assert number_kinds(text) == ["phone", "national_id", "card"]
    assert mask_numbers(text).endswith("از سال ۱۴۰۵")


@pytest.mark.parametrize(
    "digits",
    ["0013542418", "1111111111", "6037991234567890", "0912345678"],
    ids=["bad-id-check-digit", "id-all-same", "card-failing-luhn", "mobile-one-short"],
)
def test_numbers_failing_their_checks_are_not_flagged(digits):
    assert number_kinds(digits) == []


@pytest.mark.parametrize("value", [None, "", "علی رضایی"])
def test_nothing_to_mask(value):
    assert mask_numbers(value) == value
    assert number_kinds(value) == []

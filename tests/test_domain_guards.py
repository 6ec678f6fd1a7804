"""The rules every edge shares, tested once below them: lookups, log-ins, submitting."""

import pytest

from liveqa.domain.accounts import log_in
from liveqa.domain.errors import Conflict, NotFound, RateLimited, ValidationError
from liveqa.domain.lifecycle import ACCEPTING_QUESTIONS, accepts_questions
from liveqa.domain.questions import find_tracked_question, submission, submit_from
from liveqa.domain.text import persian_digits
from liveqa.domain.tracking import check_digit
from liveqa.models import Channel, QuestionStatus, SessionStatus
from liveqa.serializers import session_json
from tests.conftest import PASSWORD

# Well-formed (valid check digit) but unknown codes: what guessing produces.
WRONG = [body + check_digit(body) for body in ("1234567", "7654321", "1111111")]
TYPO = "12345670" if check_digit("1234567") != "0" else "12345671"
HERE, ELSEWHERE = "10.0.0.1", "10.0.0.2"


@pytest.fixture
def code(app, factory):
    """Return a known tracking code, with at most two wrong lookups a minute allowed."""
    app.config["TRACKING_FAILURES_PER_MINUTE"] = 2
    return factory.question(status=QuestionStatus.APPROVED).tracking_code


# Tracking codes


def test_a_code_in_any_digit_script_finds_its_question(code):
    question = find_tracked_question(persian_digits(code[:4] + "-" + code[4:]), HERE)
    assert question.tracking_code == code


def test_wrong_codes_count_until_even_a_right_one_is_refused(code):
    for wrong in WRONG[:2]:
        with pytest.raises(NotFound) as refused:
            find_tracked_question(wrong, HERE)
        assert refused.value.code == "unknown_code"
    with pytest.raises(RateLimited) as limited:
        find_tracked_question(code, HERE)
    assert limited.value.details["retry_after"] >= 1
    assert find_tracked_question(code, ELSEWHERE).tracking_code == code


def test_malformed_codes_do_not_count(code):
    for raw in [TYPO, "12", "", None, 12345678] * 3:
        with pytest.raises(NotFound) as refused:
            find_tracked_question(raw, HERE)
        assert refused.value.code == "unknown_code"
    assert find_tracked_question(code, HERE).tracking_code == code


def test_malformed_codes_can_be_refused_as_invalid_instead(code):
    with pytest.raises(ValidationError) as refused:
        find_tracked_question(TYPO, HERE, malformed_as_unknown=False)
    assert (refused.value.code, refused.value.field) == ("invalid_code", "code")
    assert find_tracked_question(code, HERE, malformed_as_unknown=False) is not None


def test_codes_longer_than_max_chars_are_malformed(code):
    padded = " ".join(code) + " " * 30
    assert find_tracked_question(padded, HERE).tracking_code == code
    with pytest.raises(NotFound):
        find_tracked_question(padded, HERE, max_chars=40)
    assert find_tracked_question(code, HERE, max_chars=40).tracking_code == code


def test_before_lookup_sees_the_canonical_code_and_may_stop_it_uncounted(code):
    seen = []

    def refuse(canonical):
        seen.append(canonical)
        raise ValidationError("full", code="too_many_codes")

    for wrong in WRONG * 2:
        with pytest.raises(ValidationError):
            find_tracked_question(persian_digits(wrong), HERE, before_lookup=refuse)
    assert seen == WRONG * 2
    assert find_tracked_question(code, HERE, before_lookup=seen.append).tracking_code == code
    assert seen[-1] == code


# Log-ins


@pytest.fixture
def two_failures_a_minute(app):
    """Allow two wrong passwords a minute per user name (ten per address)."""
    app.config["LOGIN_FAILURES_PER_MINUTE"] = 2


def test_right_passwords_log_in_and_never_use_up_the_allowance(factory, two_failures_a_minute):
    user = factory.user("moderator", username="mod")
    assert [log_in("mod", PASSWORD, HERE).user for _ in range(5)] == [user] * 5


def test_wrong_passwords_are_limited_per_name_and_address(factory, two_failures_a_minute):
    user = factory.user("moderator", username="mod")
    assert log_in("mod", "wrong-password", HERE).user is None
    assert log_in(" MOD ", "wrong-password", HERE).user is None  # the same account
    with pytest.raises(RateLimited) as limited:
        log_in("mod", PASSWORD, HERE)
    assert limited.value.details["retry_after"] >= 1
    assert log_in("mod", PASSWORD, ELSEWHERE).user == user


def test_one_address_cannot_try_many_names(factory, two_failures_a_minute):
    factory.user("moderator", username="mod")
    assert [log_in(f"user{n}", "wrong-password", HERE).user for n in range(10)] == [None] * 10
    with pytest.raises(RateLimited):
        log_in("mod", PASSWORD, HERE)


# Submitting


FORM = {"text": "پرسش از فرم", "name": "علی", "phone": "۰۹۱۲۱۲۳۴۵۶۷"}


@pytest.fixture
def one_a_minute(app):
    """Allow one citizen submission a minute per browser."""
    app.config["SUBMIT_RATE_PER_MINUTE"] = 1


def test_a_citizen_submission_is_built_from_the_mapping(factory):
    live = factory.session(SessionStatus.OPEN)
    question, created = submit_from(
        live, FORM | {"district_id": factory.district().id}, client_id="browser-1"
    )
    assert created
    assert (question.text, question.asker_name, question.asker_phone) == (
        "پرسش از فرم",
        "علی",
        "09121234567",
    )
    assert question.district is not None
    assert (question.client_id, question.channel, question.entered_by_id) == (
        "browser-1",
        Channel.WEB,
        None,
    )


def test_each_browser_is_held_to_the_submission_rate(factory, one_a_minute):
    live = factory.session(SessionStatus.OPEN)
    submit_from(live, FORM, client_id="browser-1")
    with pytest.raises(RateLimited):
        submit_from(live, {"text": "دوباره"}, client_id="browser-1")
    assert submit_from(live, {"text": "دیگری"}, client_id="browser-2")[1]


def test_operators_are_not_held_to_the_submission_rate(factory, one_a_minute):
    live = factory.session(SessionStatus.LIVE)
    operator = factory.user("operator")
    made = [submit_from(live, {"text": f"تلفن {n}"}, operator=operator)[0] for n in range(3)]
    assert [(q.channel, q.entered_by_id) for q in made] == [(Channel.PHONE, operator.id)] * 3


def test_the_header_key_serves_when_the_mapping_has_none(factory):
    live = factory.session(SessionStatus.OPEN)
    first, _ = submit_from(live, FORM, idempotency_key="header-key-1", client_id="b")
    again, created = submit_from(live, FORM, idempotency_key="header-key-1", client_id="b")
    assert (again, created) == (first, False)
    keyed = FORM | {"idempotency_key": "body-key-01"}
    assert submit_from(live, keyed, idempotency_key="header-key-1")[0].client_key == "body-key-01"


def test_a_reused_key_is_refused_unless_the_caller_asks_for_a_new_question(factory):
    live = factory.session(SessionStatus.OPEN)
    keyed = {"text": "نخست", "idempotency_key": "form-key-01"}
    first, _ = submit_from(live, keyed, client_id="b")
    edited = keyed | {"text": "ویرایش شده"}
    with pytest.raises(ValidationError) as refused:
        submit_from(live, edited, client_id="b")
    assert refused.value.code == "idempotency_key_reused"
    second, created = submit_from(live, edited, client_id="b", on_key_reuse="new")
    assert created and second != first


# Whether a session takes questions


@pytest.mark.parametrize("status", list(SessionStatus))
def test_open_and_live_sessions_take_questions(factory, status):
    live = factory.session(status)
    taking = status in (SessionStatus.OPEN, SessionStatus.LIVE)
    assert accepts_questions(live) is taking
    assert session_json(live)["accepting_questions"] is taking
    if not taking:
        with pytest.raises(Conflict) as refused:
            submit_from(live, FORM, client_id="b")
        assert refused.value.code == "session_not_open"


def test_no_session_takes_no_questions():
    assert accepts_questions(None) is False
    assert frozenset({SessionStatus.OPEN, SessionStatus.LIVE}) == ACCEPTING_QUESTIONS


def test_submitting_asks_the_one_predicate(factory, monkeypatch):
    live = factory.session(SessionStatus.OPEN)
    monkeypatch.setattr(submission, "accepts_questions", lambda _session: False)
    with pytest.raises(Conflict):
        submit_from(live, FORM, client_id="b")

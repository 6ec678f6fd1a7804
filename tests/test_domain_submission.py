"""Question verbs citizens and operators use: submission and support."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select

from liveqa.domain import questions as verbs
from liveqa.domain.changes import pending_changes
from liveqa.domain.errors import Conflict, ValidationError
from liveqa.domain.sessions import close_session
from liveqa.extensions import db
from liveqa.models import (
    Channel,
    Question,
    QuestionStatus,
    SessionStatus,
    Support,
)
from tests.conftest import audit_records, session_seq

S = QuestionStatus


# --- Submission ---


def test_submit_keeps_the_cleaned_verbatim_text(live):
    raw = "  چرا خیابان\u202e ۱۲ \u0000 هنوز   آسفالت نشده؟ \n\n\n\n سپاس  "
    question, created = verbs.submit_question(live, text=raw, client_id="browser-1")
    db.session.commit()
    assert created is True
    assert question.text == "چرا خیابان ۱۲ هنوز آسفالت نشده؟\n\nسپاس"
    assert question.edited_text is None
    assert question.display_text == question.text
    assert question.status == S.SUBMITTED
    assert question.channel == Channel.WEB
    assert question.entered_by_id is None
    assert question.client_id == "browser-1"
    assert verbs.find_question_by_code(question.tracking_code) is question


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (None, "required"),
        ("", "required"),
        ("   \u202e\n ", "required"),
        (137, "not_text"),
        ("x" * 1001, "too_long"),
    ],
)
def test_submit_rejects_missing_or_overlong_text(live, text, code):
    with pytest.raises(ValidationError) as caught:
        verbs.submit_question(live, text=text)
    assert caught.value.code == code
    assert caught.value.field == "text"
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_submit_accepts_exactly_the_maximum_length(live):
    question, _ = verbs.submit_question(live, text="ب" * 1000)
    db.session.commit()
    assert len(question.text) == 1000


def test_idempotency_key_returns_the_same_row(live):
    first, created = verbs.submit_question(live, text="پرسش", client_key="key-0001-abcd")
    db.session.commit()
    seq = session_seq(live.id)
    # A retry sends the same text; only what cleaning removes may differ.
    again, created_again = verbs.submit_question(live, text="  پرسش ", client_key="key-0001-abcd")
    db.session.commit()
    assert created is True
    assert created_again is False
    assert again.id == first.id
    assert again.text == "پرسش"
    assert db.session.scalar(select(func.count(Question.id))) == 1
    assert session_seq(live.id) == seq


def test_idempotent_replay_works_after_the_session_closed(factory, live):
    first, _ = verbs.submit_question(live, text="پرسش", client_key="key-0002-abcd")
    live.status = SessionStatus.CLOSED
    live.closed_at = live.starts_at
    db.session.commit()
    again, created = verbs.submit_question(live, text="پرسش", client_key="key-0002-abcd")
    assert (again.id, created) == (first.id, False)


@pytest.mark.parametrize("change", ["text", "blank text", "session"])
def test_a_key_reused_for_another_question_is_refused(factory, live, change):
    verbs.submit_question(live, text="پرسش نخست", client_key="key-0003-abcd")
    db.session.commit()
    request = {
        "text": {"live_session": live, "text": "پرسشی دیگر"},
        "blank text": {"live_session": live, "text": "  "},
        "session": {"live_session": factory.session(SessionStatus.OPEN), "text": "پرسش نخست"},
    }[change]
    with pytest.raises(ValidationError) as caught:
        verbs.submit_question(**request, client_key="key-0003-abcd")
    assert (caught.value.code, caught.value.field) == ("idempotency_key_reused", "idempotency_key")
    assert db.session.scalar(select(func.count(Question.id))) == 1


def test_a_replay_still_finds_a_question_carried_into_the_next_session(factory, live, mod):
    first, _ = verbs.submit_question(live, text="پرسش", client_key="key-0004-abcd")
    db.session.commit()
    following = factory.session(SessionStatus.OPEN, starts_in=timedelta(days=7))
    close_session(live, mod)
    db.session.commit()
    assert first.session_id == following.id
    again, created = verbs.submit_question(live, text="پرسش", client_key="key-0004-abcd")
    assert (again.id, created) == (first.id, False)


@contextmanager
def committed_first_by_a_rival(table, **values):
    """Insert VALUES into TABLE just before this transaction's own insert, in its way.

    On PostgreSQL two requests can both pass a "does it exist?" check; the loser's INSERT
    then hits the unique constraint. This plays the winner, deterministically, on any
    database: its row lands before the verb's savepoint (or its INSERT, without one).
    """
    done = []

    def before(conn, cursor, statement, parameters, context, executemany):
        # A support's INSERT sits inside a WITH on PostgreSQL: one statement per support.
        if not done and (
            statement.startswith("SAVEPOINT") or f"INSERT INTO {table.name} " in statement
        ):
            done.append(statement)
            conn.execute(insert(table).values(**values))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield done
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.mark.parametrize("same_text", [True, False])
def test_a_retry_losing_the_race_for_its_key_gets_the_stored_question(live, same_text):
    rival = {
        "session_id": live.id,
        "tracking_code": "1111111",
        "client_key": "key-0005-abcd",
        "text": "پرسش",
        "channel": Channel.WEB,
        "status": S.SUBMITTED,
    }
    text = "پرسش" if same_text else "پرسشی دیگر"
    with committed_first_by_a_rival(Question.__table__, **rival) as raced:
        if same_text:
            again, created = verbs.submit_question(live, text=text, client_key="key-0005-abcd")
        else:
            with pytest.raises(ValidationError) as caught:
                verbs.submit_question(live, text=text, client_key="key-0005-abcd")
    assert raced, "the rival never ran"
    if same_text:
        assert (again.tracking_code, created) == ("1111111", False)
        assert pending_changes(db.session) == []
        db.session.commit()  # the transaction survived the lost savepoint
    else:
        assert caught.value.code == "idempotency_key_reused"
    assert db.session.scalar(select(func.count(Question.id))) == 1


@pytest.mark.parametrize("key", ["short", "k" * 65, 12345678])
def test_submit_rejects_a_malformed_idempotency_key(live, key):
    with pytest.raises(ValidationError) as caught:
        verbs.submit_question(live, text="پرسش", client_key=key)
    assert caught.value.field == "idempotency_key"


@pytest.mark.parametrize("status", [SessionStatus.SCHEDULED, SessionStatus.CLOSED])
def test_submit_needs_an_open_or_live_session(factory, status):
    live_session = factory.session(status)
    with pytest.raises(Conflict) as caught:
        verbs.submit_question(live_session, text="پرسش")
    assert caught.value.code == "session_not_open"


def test_submit_to_an_open_session(factory):
    question, _ = verbs.submit_question(factory.session(SessionStatus.OPEN), text="پرسش")
    assert question.id is not None


def test_submit_stores_category_and_district(factory, live):
    category, district = factory.category(), factory.district()
    question, _ = verbs.submit_question(
        live, text="پرسش", category_id=str(category.id), district_id=district.id
    )
    db.session.commit()
    assert (question.category_id, question.district_id) == (category.id, district.id)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("category", 999, "unknown_category"),
        ("district", 999, "unknown_district"),
        ("category", "abc", "invalid_choice"),
        ("district", -1, "invalid_choice"),
        ("category", True, "invalid_choice"),
    ],
)
def test_submit_rejects_unknown_category_or_district(live, field, value, code):
    with pytest.raises(ValidationError) as caught:
        verbs.submit_question(live, text="پرسش", **{f"{field}_id": value})
    assert caught.value.field == field
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("09121234567", "09121234567"),
        ("۰۹۱۲ ۱۲۳ ۴۵۶۷", "09121234567"),
        ("٠٩١٢-١٢٣-٤٥٦٧", "09121234567"),
        ("+98 (912) 123-4567", "+989121234567"),
        ("  ", None),
        (None, None),
    ],
)
def test_submit_normalizes_the_phone(live, raw, stored):
    question, _ = verbs.submit_question(live, text="پرسش", asker_phone=raw)
    assert question.asker_phone == stored


@pytest.mark.parametrize("raw", ["abc", "0912-abc-4567", "123", "1" * 16, "++989121234567", 912])
def test_submit_rejects_a_junk_phone(live, raw):
    with pytest.raises(ValidationError) as caught:
        verbs.submit_question(live, text="پرسش", asker_phone=raw)
    assert caught.value.field == "phone"


def test_submit_cleans_the_name_and_limits_its_length(live):
    question, _ = verbs.submit_question(live, text="پرسش", asker_name="  علی \u202e رضایی ")
    assert question.asker_name == "علی رضایی"
    with pytest.raises(ValidationError) as caught:
        verbs.submit_question(live, text="پرسش", asker_name="ن" * 81)
    assert (caught.value.field, caught.value.code) == ("name", "too_long")


def test_operator_submission_is_a_phone_question_and_audited(factory, live):
    operator = factory.user("operator")
    question, _ = verbs.submit_question(live, text="پرسش تلفنی", operator=operator)
    db.session.commit()
    assert question.channel == Channel.PHONE
    assert question.entered_by_id == operator.id
    [audit] = audit_records(question)
    assert (audit.action, audit.actor_id, audit.before) == ("entered", operator.id, None)
    assert audit.after["status"] == "submitted"


def test_citizen_submission_writes_no_audit(live):
    verbs.submit_question(live, text="پرسش")
    db.session.commit()
    assert audit_records() == []


# --- Support ---


def test_support_once_per_browser(factory):
    question = factory.question(status=S.APPROVED)
    verbs.support_question(question, "browser-1")
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        verbs.support_question(question, "browser-1")
    assert caught.value.code == "already_supported"
    verbs.support_question(question, "browser-2")
    db.session.commit()
    db.session.refresh(question)
    assert question.support_count == 2


def test_a_second_tap_losing_the_race_is_already_supported(factory):
    question = factory.question(status=S.APPROVED)
    rival = {"question_id": question.id, "client_id": "browser-1"}
    with (
        committed_first_by_a_rival(Support.__table__, **rival) as raced,
        pytest.raises(Conflict) as caught,
    ):
        verbs.support_question(question, "browser-1")
    assert raced, "the rival never ran"
    assert caught.value.code == "already_supported"
    db.session.commit()  # the transaction survived the lost savepoint
    db.session.refresh(question)
    assert question.support_count == 0


def test_support_needs_a_browser_identity(factory):
    question = factory.question(status=S.APPROVED)
    with pytest.raises(ValidationError):
        verbs.support_question(question, "")


def test_support_does_not_bump_the_version(factory):
    # Supports must not make a moderator's pending action on the question stale.
    question = factory.question(status=S.APPROVED)
    version = question.version
    verbs.support_question(question, "browser-1")
    db.session.commit()
    db.session.refresh(question)
    assert question.version == version


@pytest.mark.parametrize(
    "key",
    ["short", "k" * 65, "key\x00with-nul", "key with spaces", "کلید-فارسی-۱۲۳۴", "tab\tkey-0001"],
)
def test_an_idempotency_key_must_be_a_visible_ascii_token(ctx, factory, key):
    live = factory.session(SessionStatus.LIVE)
    with pytest.raises(ValidationError) as caught:
        verbs.submit_question(live, text="پرسش", client_key=key)
    assert caught.value.code == "invalid_idempotency_key"
    assert caught.value.field == "idempotency_key"
    assert db.session.scalar(select(func.count(Question.id))) == 0

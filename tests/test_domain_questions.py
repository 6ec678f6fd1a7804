"""Question verbs: submission, triage, support, on-air rules, answers, audit and changes."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from liveqa.domain import questions as verbs
from liveqa.domain.changes import pending_changes
from liveqa.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationError
from liveqa.domain.sessions import close_session
from liveqa.extensions import db
from liveqa.models import (
    AuditRecord,
    Channel,
    FollowUp,
    LiveSession,
    Question,
    QuestionStatus,
    SessionStatus,
    Support,
)

S = QuestionStatus


@pytest.fixture
def live(factory):
    return factory.session(SessionStatus.LIVE)


@pytest.fixture
def mod(factory):
    return factory._staff


def _seq(session_id):
    return db.session.scalar(select(LiveSession.seq).where(LiveSession.id == session_id))


def _audits(question=None):
    query = select(AuditRecord).order_by(AuditRecord.id)
    if question is not None:
        query = query.where(AuditRecord.question_id == question.id)
    return db.session.scalars(query).all()


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
    seq = _seq(live.id)
    # A retry sends the same text; only what cleaning removes may differ.
    again, created_again = verbs.submit_question(live, text="  پرسش ", client_key="key-0001-abcd")
    db.session.commit()
    assert created is True
    assert created_again is False
    assert again.id == first.id
    assert again.text == "پرسش"
    assert db.session.scalar(select(func.count(Question.id))) == 1
    assert _seq(live.id) == seq


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
        if not done and statement.startswith(("SAVEPOINT", f"INSERT INTO {table.name}")):
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
    [audit] = _audits(question)
    assert (audit.action, audit.actor_id, audit.before) == ("entered", operator.id, None)
    assert audit.after["status"] == "submitted"


def test_citizen_submission_writes_no_audit(live):
    verbs.submit_question(live, text="پرسش")
    db.session.commit()
    assert _audits() == []


# --- Triage ---


def test_edit_keeps_the_original_and_audits_before_and_after(factory, mod):
    question = factory.question(text="متن اصلی شهروند")
    verbs.edit_question(question, mod, "  متن ویرایش‌شده  ")
    db.session.commit()
    assert question.text == "متن اصلی شهروند"
    assert question.edited_text == "متن ویرایش‌شده"
    assert question.display_text == "متن ویرایش‌شده"
    [audit] = _audits(question)
    assert audit.action == "edited"
    assert audit.actor_id == mod.id
    assert audit.before["edited_text"] is None
    assert audit.after["edited_text"] == "متن ویرایش‌شده"


def test_editing_back_to_the_original_clears_the_edit(factory, mod):
    question = factory.question(text="متن اصلی")
    verbs.edit_question(question, mod, "متن دیگر")
    verbs.edit_question(question, mod, "متن اصلی")
    db.session.commit()
    assert question.edited_text is None


def test_edit_rejects_blank_text_without_changing_anything(factory, mod):
    question = factory.question()
    with pytest.raises(ValidationError):
        verbs.edit_question(question, mod, " \u202e ")
    assert question.edited_text is None


def test_reject_needs_a_reason_from_the_list(factory, mod):
    question = factory.question()
    with pytest.raises(ValidationError) as caught:
        verbs.reject_question(question, mod, "because")
    assert caught.value.field == "reason"
    assert question.status == S.SUBMITTED
    verbs.reject_question(question, mod, "personal_data", "  Please leave out phone numbers. ")
    db.session.commit()
    assert question.reject_reason.value == "personal_data"
    assert question.reject_note == "Please leave out phone numbers."


def test_classify_sets_and_clears(factory, mod):
    question = factory.question()
    category, district = factory.category(), factory.district()
    verbs.classify_question(question, mod, category_id=category.id, district_id=district.id)
    db.session.commit()
    assert (question.category_id, question.district_id) == (category.id, district.id)
    verbs.classify_question(question, mod, category_id=category.id, district_id=None)
    db.session.commit()
    assert (question.category_id, question.district_id) == (category.id, None)


def test_classify_keeps_a_field_left_out(factory, mod):
    question = factory.question()
    category, district = factory.category(), factory.district()
    verbs.classify_question(question, mod, category_id=category.id, district_id=district.id)
    db.session.commit()
    verbs.classify_question(question, mod, district_id=None)
    db.session.commit()
    assert (question.category_id, question.district_id) == (category.id, None)
    verbs.classify_question(question, mod, category_id=None)
    verbs.classify_question(question, mod, category_id=verbs.UNCHANGED)
    db.session.commit()
    assert (question.category_id, question.district_id) == (None, None)


def test_submission_from_a_form_or_body_names_the_verbs_fields(live):
    fields = verbs.submission_from(
        {"text": "پرسش", "name": "علی", "phone": "", "category_id": "", "idempotency_key": ""},
        "header-key-1",
    )
    assert fields == {
        "text": "پرسش",
        "category_id": "",
        "district_id": None,
        "asker_name": "علی",
        "asker_phone": "",
        "client_key": "header-key-1",
    }
    question, _created = verbs.submit_question(live, **fields)
    assert (question.client_key, question.asker_name, question.category_id) == (
        "header-key-1",
        "علی",
        None,
    )
    assert verbs.submission_from({"idempotency_key": "body-key-1"}, "x")["client_key"] == (
        "body-key-1"
    )
    assert verbs.submission_from({})["client_key"] is None


def test_classify_with_one_bad_id_changes_nothing(factory, mod):
    question = factory.question()
    category = factory.category()
    with pytest.raises(ValidationError) as caught:
        verbs.classify_question(question, mod, category_id=category.id, district_id=999)
    assert caught.value.field == "district"
    assert question.category_id is None
    assert question.category is None


def test_route_refuses_an_inactive_official_and_the_same_official(factory, mod):
    question = factory.question(status=S.APPROVED)
    retired = factory.official(active=False)
    with pytest.raises(ValidationError) as caught:
        verbs.route_question(question, mod, retired.id)
    assert caught.value.code == "inactive_official"
    with pytest.raises(ValidationError):
        verbs.route_question(question, mod, None)
    official = factory.official()
    verbs.route_question(question, mod, official.id)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        verbs.route_question(question, mod, official.id)
    assert caught.value.code == "same_official"


# --- Merge ---


def _support(question, *clients):
    for client in clients:
        verbs.support_question(question, client)
    db.session.commit()


def test_merge_moves_supporters_without_double_counting(factory, live, mod):
    target = factory.question(live, S.APPROVED)
    duplicate = factory.question(live, S.APPROVED)
    _support(target, "a", "b")
    _support(duplicate, "b", "c", "d")
    verbs.merge_question(duplicate, target, mod)
    db.session.commit()
    assert duplicate.status == S.MERGED
    assert duplicate.merged_into_id == target.id
    assert target.support_count == 4
    clients = db.session.scalars(
        select(Support.client_id).where(Support.question_id == target.id)
    ).all()
    assert sorted(clients) == ["a", "b", "c", "d"]
    # A supporter of the merged question cannot support the target a second time.
    with pytest.raises(Conflict):
        verbs.support_question(target, "c")


def test_merge_re_points_earlier_merges(factory, live, mod):
    first = factory.question(live, S.APPROVED)
    second = factory.question(live, S.APPROVED)
    third = factory.question(live, S.APPROVED)
    _support(first, "x")
    verbs.merge_question(first, second, mod)
    db.session.commit()
    verbs.merge_question(second, third, mod)
    db.session.commit()
    db.session.refresh(first)
    assert first.merged_into_id == third.id
    assert second.merged_into_id == third.id
    assert third.support_count == 1


def test_merge_refuses_itself_another_session_and_finished_targets(factory, live, mod):
    question = factory.question(live, S.APPROVED)
    with pytest.raises(ValidationError) as caught:
        verbs.merge_question(question, question, mod)
    assert caught.value.code == "merge_self"
    elsewhere = factory.question(factory.session(SessionStatus.LIVE), S.APPROVED)
    with pytest.raises(ValidationError) as caught:
        verbs.merge_question(question, elsewhere, mod)
    assert caught.value.code == "merge_other_session"
    rejected = factory.question(live, S.REJECTED)
    with pytest.raises(Conflict) as caught:
        verbs.merge_question(question, rejected, mod)
    assert caught.value.code == "merge_target_closed"
    assert question.status == S.APPROVED
    assert question.merged_into_id is None


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


# --- Optimistic locking ---


def test_a_stale_version_is_refused(factory, mod):
    question = factory.question()
    old = question.version
    verbs.edit_question(question, mod, "ویرایش", version=old)
    db.session.commit()
    assert question.version == old + 1
    with pytest.raises(Conflict) as caught:
        verbs.approve_question(question, mod, version=old)
    assert caught.value.code == "stale"
    assert caught.value.details == {"version": old + 1}
    assert question.status == S.SUBMITTED
    verbs.approve_question(question, mod, version=str(old + 1))
    db.session.commit()
    assert question.status == S.APPROVED


@pytest.mark.parametrize(
    "call",
    [
        lambda q, m: verbs.approve_question(q, m, version=99),
        lambda q, m: verbs.reject_question(q, m, "other", version=99),
        lambda q, m: verbs.edit_question(q, m, "x", version=99),
        lambda q, m: verbs.classify_question(q, m, version=99),
        lambda q, m: verbs.route_question(q, m, 1, version=99),
        lambda q, m: verbs.transfer_question(q, m, 1, version=99),
        lambda q, m: verbs.take_on_air(q, m, version=99),
        lambda q, m: verbs.put_back_question(q, m, version=99),
        lambda q, m: verbs.answer_question(q, m, kind="verbal", text="x", version=99),
    ],
    ids=[
        "approve",
        "reject",
        "edit",
        "classify",
        "route",
        "transfer",
        "on_air",
        "put_back",
        "answer",
    ],
)
def test_every_verb_checks_the_version(factory, mod, call):
    question = factory.question()
    with pytest.raises(Conflict) as caught:
        call(question, mod)
    assert caught.value.code == "stale"


# --- On air ---


def test_only_one_question_on_air_per_session(factory, live, mod):
    first = factory.question(live, S.ROUTED)
    second = factory.question(live, S.ROUTED)
    verbs.take_on_air(first, mod)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        verbs.take_on_air(second, mod)
    assert caught.value.code == "another_on_air"
    assert caught.value.details == {"question_id": first.id}
    assert second.status == S.ROUTED
    # Another session's screen is independent.
    other = factory.question(factory.session(SessionStatus.LIVE), S.ROUTED)
    verbs.take_on_air(other, mod)
    db.session.commit()
    # Once the first is put back, the second may go on air.
    verbs.put_back_question(first, mod)
    verbs.take_on_air(second, mod)
    db.session.commit()
    assert (first.status, second.status) == (S.ROUTED, S.ON_AIR)


def _official_user(question):
    return question.official.user


@pytest.mark.parametrize(
    ("start", "call"),
    [
        (S.ROUTED, lambda q, u: verbs.take_on_air(q, u)),
        (S.ON_AIR, lambda q, u: verbs.answer_question(q, u, kind="written", text="پاسخ")),
        (S.ON_AIR, lambda q, u: verbs.put_back_question(q, u)),
    ],
    ids=["on_air", "answer", "put_back"],
)
def test_an_official_acts_only_on_their_own_question(factory, live, start, call):
    question = factory.question(live, start)
    before = question.status
    stranger = factory.official().user
    operator = factory.user("operator")
    for intruder in (stranger, operator):
        with pytest.raises(Forbidden) as caught:
            call(question, intruder)
        assert caught.value.code == "not_yours"
        assert caught.value.status == 403
    assert question.status == before
    call(question, _official_user(question))
    db.session.commit()
    assert question.status != before


def test_official_may_take_their_own_question_on_air_but_not_anothers(factory, live):
    mine = factory.question(live, S.ROUTED)
    theirs = factory.question(live, S.ROUTED)
    me = _official_user(mine)
    with pytest.raises(Forbidden):
        verbs.take_on_air(theirs, me)
    assert theirs.status == S.ROUTED
    verbs.take_on_air(mine, me)
    db.session.commit()
    assert mine.status == S.ON_AIR


def test_official_may_transfer_their_own_question_only(factory, live):
    mine = factory.question(live, S.ROUTED)
    theirs = factory.question(live, S.ROUTED)
    me = _official_user(mine)
    colleague = factory.official()
    with pytest.raises(Forbidden):
        verbs.transfer_question(theirs, me, colleague.id)
    verbs.transfer_question(mine, me, colleague.id)
    db.session.commit()
    assert mine.official_id == colleague.id
    with pytest.raises(Conflict) as caught:
        verbs.transfer_question(mine, colleague.user, colleague.id)
    assert caught.value.code == "same_official"


@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_moderators_and_admins_may_act_on_any_question(factory, live, role):
    staff = factory.user(role)
    question = factory.question(live, S.ROUTED)
    verbs.take_on_air(question, staff)
    verbs.put_back_question(question, staff)
    verbs.take_on_air(question, staff)
    verbs.answer_question(question, staff, kind="verbal", text="پاسخ")
    db.session.commit()
    assert question.status == S.ANSWERED
    # The answer is the routed official's, whoever typed it.
    assert question.answer.official_id == question.official_id


# --- Answers and follow-ups ---


@pytest.fixture
def on_air(factory, live):
    return factory.question(live, S.ON_AIR)


def test_answer_stores_the_answer(on_air, mod):
    verbs.answer_question(on_air, mod, kind="written", text="  پاسخ مکتوب  ")
    db.session.commit()
    assert on_air.status == S.ANSWERED
    assert on_air.answer.kind.value == "written"
    assert on_air.answer.text == "پاسخ مکتوب"
    assert on_air.follow_ups == []


def test_answer_with_a_follow_up_stores_it(on_air, mod):
    today = date(2026, 2, 4)
    verbs.answer_question(
        on_air,
        mod,
        kind="verbal",
        text="پیگیری می‌شود",
        follow_up_unit="معاونت عمران",
        follow_up_due="۲۰۲۶-۰۲-۱۱",
        today=today,
    )
    db.session.commit()
    [follow_up] = on_air.follow_ups
    assert follow_up.responsible_unit == "معاونت عمران"
    assert follow_up.due_on == date(2026, 2, 11)
    assert follow_up.answer_id == on_air.answer.id
    assert follow_up.status.value == "open"


def test_a_follow_up_due_today_is_allowed(on_air, mod):
    today = date(2026, 2, 4)
    verbs.answer_question(
        on_air, mod, kind="verbal", text="x", follow_up_unit="u", follow_up_due=today, today=today
    )
    db.session.commit()
    assert on_air.follow_ups[0].due_on == today


@pytest.mark.parametrize(
    ("unit", "due", "field", "code"),
    [
        ("معاونت عمران", None, "follow_up_due", "follow_up_incomplete"),
        (None, "2026-02-11", "follow_up_unit", "follow_up_incomplete"),
        ("  ", "2026-02-11", "follow_up_unit", "follow_up_incomplete"),
        ("معاونت عمران", "2026-02-03", "follow_up_due", "due_in_past"),
        ("معاونت عمران", "11/02/2026", "follow_up_due", "invalid_date"),
        ("ن" * 201, "2026-02-11", "follow_up_unit", "too_long"),
    ],
)
def test_answer_refuses_an_incomplete_or_past_follow_up(on_air, mod, unit, due, field, code):
    with pytest.raises(ValidationError) as caught:
        verbs.answer_question(
            on_air,
            mod,
            kind="written",
            text="پاسخ",
            follow_up_unit=unit,
            follow_up_due=due,
            today=date(2026, 2, 4),
        )
    assert (caught.value.field, caught.value.code) == (field, code)
    assert on_air.status == S.ON_AIR
    assert on_air.answer is None
    assert db.session.scalar(select(func.count(FollowUp.id))) == 0


@pytest.mark.parametrize(
    ("kind", "text", "field"), [("sung", "پاسخ", "kind"), ("written", " ", "text")]
)
def test_answer_needs_a_kind_and_text(on_air, mod, kind, text, field):
    with pytest.raises(ValidationError) as caught:
        verbs.answer_question(on_air, mod, kind=kind, text=text)
    assert caught.value.field == field


def test_answer_needs_the_question_on_air(factory, mod):
    question = factory.question(status=S.ROUTED)
    with pytest.raises(InvalidTransition):
        verbs.answer_question(question, mod, kind="written", text="پاسخ")
    assert question.answer is None


# --- Reordering ---


def test_reorder_sets_positions(factory, live, mod):
    a, b, c = (factory.question(live, S.APPROVED) for _ in range(3))
    verbs.reorder_queue(live, mod, [c.id, a.id, b.id])
    db.session.commit()
    assert (c.position, a.position, b.position) == (1, 2, 3)


def test_reorder_keeps_versions_and_still_audits_and_numbers_a_change(factory, live, mod):
    a, b = (factory.question(live, S.APPROVED) for _ in range(2))
    versions = (a.version, b.version)
    seq = _seq(live.id)
    verbs.reorder_queue(live, mod, [b.id, a.id])
    db.session.commit()
    db.session.expire_all()
    assert (a.version, b.version) == versions
    assert (b.position, a.position) == (1, 2)
    assert _seq(live.id) == seq + 1
    [audit] = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "reordered"))
    assert audit.after == {"order": [b.id, a.id]}
    # A moderator who loaded the question before the reorder is not "stale".
    verbs.approve_question(factory.question(live), mod)
    verbs.route_question(a, mod, factory.official().id, version=versions[0])
    db.session.commit()


@pytest.mark.parametrize("order", ["1,2", "empty", "dup", "finished", "foreign"])
def test_reorder_refuses_bad_orders(factory, live, mod, order):
    a = factory.question(live, S.APPROVED)
    lists = {
        "empty": [],
        "dup": [a.id, a.id],
        "finished": [a.id, factory.question(live, S.REJECTED).id],
        "foreign": [a.id, factory.question(factory.session(), S.APPROVED).id],
    }
    with pytest.raises(ValidationError):
        verbs.reorder_queue(live, mod, lists.get(order, order))
    assert a.position is None


# --- Audit and numbered changes ---


def _walk(factory, mod, verb):
    """Prepare a question for VERB; return (question, call, expected action, changes)."""
    live = factory.session(SessionStatus.LIVE)
    official = factory.official()
    starting = {
        "approved": S.SUBMITTED,
        "rejected": S.SUBMITTED,
        "edited": S.SUBMITTED,
        "classified": S.SUBMITTED,
        "merged": S.SUBMITTED,
        "routed": S.APPROVED,
        "transferred": S.ROUTED,
        "on_air": S.ROUTED,
        "put_back": S.ON_AIR,
        "answered": S.ON_AIR,
    }[verb]
    question = factory.question(live, starting)
    target = factory.question(live, S.APPROVED) if verb == "merged" else None
    calls = {
        "approved": lambda: verbs.approve_question(question, mod),
        "rejected": lambda: verbs.reject_question(question, mod, "unclear"),
        "edited": lambda: verbs.edit_question(question, mod, "ویرایش"),
        "classified": lambda: verbs.classify_question(question, mod),
        "merged": lambda: verbs.merge_question(question, target, mod),
        "routed": lambda: verbs.route_question(question, mod, official.id),
        "transferred": lambda: verbs.transfer_question(question, mod, official.id),
        "on_air": lambda: verbs.take_on_air(question, mod),
        "put_back": lambda: verbs.put_back_question(question, mod),
        "answered": lambda: verbs.answer_question(question, mod, kind="verbal", text="پاسخ"),
    }
    changes = 2 if verb == "merged" else 1
    return question, calls[verb], changes


VERBS = [
    "approved",
    "rejected",
    "edited",
    "classified",
    "merged",
    "routed",
    "transferred",
    "on_air",
    "put_back",
    "answered",
]


@pytest.mark.parametrize("action", VERBS)
def test_every_staff_verb_writes_exactly_one_audit_record(factory, mod, action):
    question, call, _ = _walk(factory, mod, action)
    already = {a.id for a in _audits()}
    before_status = question.status.value
    call()
    db.session.commit()
    new = [a for a in _audits() if a.id not in already]
    assert len(new) == 1
    [audit] = new
    assert audit.action == action
    assert audit.actor_id == mod.id
    assert audit.question_id == question.id
    assert audit.session_id == question.session_id
    assert audit.before["status"] == before_status
    assert audit.after["status"] == question.status.value
    assert audit.created_at is not None


@pytest.mark.parametrize("action", VERBS)
def test_every_verb_numbers_its_changes(factory, mod, action):
    question, call, changes = _walk(factory, mod, action)
    session_id = question.session_id
    seq = _seq(session_id)
    assert pending_changes(db.session) == []
    call()
    queued = pending_changes(db.session)
    assert len(queued) == changes
    assert [c.seq for c in queued] == list(range(seq + 1, seq + changes + 1))
    assert all(c.session_id == session_id for c in queued)
    assert queued[0].question_id == question.id
    db.session.commit()
    assert _seq(session_id) == seq + changes
    assert pending_changes(db.session) == []


def test_support_queues_a_tally_not_a_change(factory):
    question = factory.question(status=S.APPROVED)
    seq = _seq(question.session_id)
    verbs.support_question(question, "browser-1")
    assert pending_changes(db.session) == []
    db.session.commit()
    assert _seq(question.session_id) == seq


def test_pending_changes_are_dropped_on_rollback(factory, mod):
    question = factory.question()
    seq = _seq(question.session_id)
    verbs.approve_question(question, mod)
    verbs.edit_question(question, mod, "ویرایش")
    assert len(pending_changes(db.session)) == 2
    db.session.rollback()
    assert pending_changes(db.session) == []
    assert _seq(question.session_id) == seq
    assert db.session.get(Question, question.id).status == S.SUBMITTED
    # The next transaction numbers from where the committed sequence stands.
    verbs.approve_question(question, mod)
    assert [c.seq for c in pending_changes(db.session)] == [seq + 1]
    db.session.commit()


@pytest.mark.parametrize(
    ("utc", "tehran_today"),
    [
        # 20:29 UTC is 23:59 in Tehran; 20:30 UTC is already the next day there.
        (datetime(2025, 12, 2, 20, 29, tzinfo=UTC), date(2025, 12, 2)),
        (datetime(2025, 12, 2, 20, 30, tzinfo=UTC), date(2025, 12, 3)),
    ],
)
def test_dates_follow_the_city_day_not_utc(ctx, monkeypatch, utc, tehran_today):
    monkeypatch.setattr(verbs, "utcnow", lambda: utc)
    assert verbs.city_today() == tehran_today
    assert verbs.follow_up_due_default() == tehran_today + timedelta(days=7)

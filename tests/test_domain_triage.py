"""Question verbs of triage: edit, reject, classify, route, merge, reorder; version checks."""

import pytest
from sqlalchemy import select

from liveqa.domain import questions as verbs
from liveqa.domain.errors import Conflict, ValidationError
from liveqa.extensions import db
from liveqa.models import (
    AuditRecord,
    QuestionStatus,
    SessionStatus,
    Support,
)
from tests.conftest import audit_records, session_seq

S = QuestionStatus


# --- Triage ---


def test_edit_keeps_the_original_and_audits_before_and_after(factory, mod):
    question = factory.question(text="متن اصلی شهروند")
    verbs.edit_question(question, mod, "  متن ویرایش‌شده  ")
    db.session.commit()
    assert question.text == "متن اصلی شهروند"
    assert question.edited_text == "متن ویرایش‌شده"
    assert question.display_text == "متن ویرایش‌شده"
    [audit] = audit_records(question)
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


# --- Reordering ---


def test_reorder_sets_positions(factory, live, mod):
    a, b, c = (factory.question(live, S.APPROVED) for _ in range(3))
    verbs.reorder_queue(live, mod, [c.id, a.id, b.id])
    db.session.commit()
    assert (c.position, a.position, b.position) == (1, 2, 3)


def test_reorder_keeps_versions_and_still_audits_and_numbers_a_change(factory, live, mod):
    a, b = (factory.question(live, S.APPROVED) for _ in range(2))
    versions = (a.version, b.version)
    seq = session_seq(live.id)
    verbs.reorder_queue(live, mod, [b.id, a.id])
    db.session.commit()
    db.session.expire_all()
    assert (a.version, b.version) == versions
    assert (b.position, a.position) == (1, 2)
    assert session_seq(live.id) == seq + 1
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

"""Phone numbers are erased in time, and never reach the audit trail or the logs."""

import json
import logging
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from liveqa.domain import questions as verbs
from liveqa.domain.text import ascii_digits
from liveqa.extensions import db
from liveqa.models import AuditRecord, FollowUp, FollowUpStatus, Question, QuestionStatus, utcnow
from tests.conftest import fresh, login_as

S = QuestionStatus
PHONE = "09123456789"


def _invoke(app, *args):
    with force_locale("en"):
        return app.test_cli_runner().invoke(args=list(args))


def _settled(factory, live, status, days_ago, follow_up=None):
    """Return a question with a phone whose final outcome was DAYS_AGO days ago."""
    question = factory.question(live, status, asker_phone=PHONE)
    stamp = {S.ANSWERED: "answered_at", S.REJECTED: "rejected_at"}.get(status)
    if stamp:
        setattr(question, stamp, utcnow() - timedelta(days=days_ago))
    if follow_up is not None:
        db.session.add(
            FollowUp(
                question_id=question.id,
                responsible_unit="معاونت خدمات شهری",
                due_on=date.today(),
                status=follow_up,
            )
        )
    db.session.commit()
    return question.id


@pytest.fixture
def settled(factory, live):
    """Return question ids by case: which phones retention must erase and which it keeps."""
    return {
        "answered_91_days_ago": _settled(factory, live, S.ANSWERED, 91),
        "rejected_100_days_ago": _settled(factory, live, S.REJECTED, 100),
        "follow_up_done": _settled(factory, live, S.ANSWERED, 100, FollowUpStatus.DONE),
        "answered_89_days_ago": _settled(factory, live, S.ANSWERED, 89),
        "follow_up_open": _settled(factory, live, S.ANSWERED, 100, FollowUpStatus.OPEN),
        "still_open": _settled(factory, live, S.APPROVED, 0),
    }


ERASED = {"answered_91_days_ago", "rejected_100_days_ago", "follow_up_done"}


def test_erase_phones_erases_settled_questions_after_the_retention(app, settled):
    result = _invoke(app, "erase-phones")

    assert result.exit_code == 0, result.output
    assert "of 3 questions settled 90 days ago" in result.output
    for case, question_id in settled.items():
        question = fresh(Question, question_id)
        kept = case not in ERASED
        assert (question.asker_phone == PHONE) is kept, case
        assert (question.asker_phone_hash is not None) is kept, case
    [audit] = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "phones_erased")
    ).all()
    assert audit.after == {"questions": 3, "days": 90}
    # Run again: nothing left to erase.
    assert "of 0 questions" in _invoke(app, "erase-phones").output


def test_retention_days_come_from_configuration_or_the_option(app, settled):
    app.config["PHONE_RETENTION_DAYS"] = 95
    assert "of 2 questions settled 95 days ago" in _invoke(app, "erase-phones").output
    assert (
        "of 2 questions settled 30 days ago" in _invoke(app, "erase-phones", "--days", "30").output
    )
    assert fresh(Question, settled["answered_89_days_ago"]).asker_phone is None
    assert fresh(Question, settled["follow_up_open"]).asker_phone == PHONE


def _holds_phone(value: str) -> bool:
    plain = ascii_digits(value)
    return any(part in plain for part in ("9123456789", "912 345 6789", "912-345-6789"))


def test_audit_rows_and_logs_never_hold_a_phone_number(app, client, factory, live, caplog):
    caplog.set_level(logging.DEBUG)
    # Every statement and its parameters would be logged here, were they not hidden.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    operator = login_as(client, factory, "operator")
    made = client.post(
        f"/api/v1/sessions/{live.id}/operator-questions",
        json={"text": "تماس تلفنی درباره آب", "phone": "0912 345 6789", "name": "حسن"},
    )
    assert made.status_code == 201, made.get_json()
    client.post(
        f"/api/v1/sessions/{live.id}/questions",
        json={"text": "پرسش من، شماره‌ام ۰۹۱۲۳۴۵۶۷۸۹", "phone": "+98 912 345 6789"},
    )
    assert operator is not None
    moderator = factory._staff
    for question in db.session.scalars(select(Question)).all():
        verbs.edit_question(question, moderator, "ویرایش با شماره 0912-345-6789")
        verbs.reject_question(
            question, moderator, "personal_data", note="شماره ۰۹۱۲۳۴۵۶۷۸۹ را ننویسید"
        )
    db.session.commit()
    _invoke(app, "erase-phones", "--days", "1")

    rows = db.session.scalars(select(AuditRecord)).all()
    assert {row.action for row in rows} >= {"entered", "edited", "rejected"}
    for row in rows:
        assert not _holds_phone(json.dumps([row.before, row.after], ensure_ascii=False)), row.action
    assert caplog.records
    assert not _holds_phone(caplog.text)

"""Askers' phone numbers at rest: encrypted under keys of their own, hashed, erased in time.

The number is sealed with Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`)
under LIVEQA_PHONE_KEYS, never under the secret key: the first key seals, every key opens
(MultiFernet), so a new key is put first and `rotate_phone_keys()` re-seals every row.
`Question.asker_phone` is a `SealedText` column that calls this vault; the keyed hash
(HMAC-SHA256 under LIVEQA_PHONE_HASH_KEY of the number in E.164) lets one caller's
questions be found without storing or comparing the number itself.
"""

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

import phonenumbers
from flask import current_app
from sqlalchemy import Text, exists, func, select, type_coerce, update

from liveqa.domain.audit import record_audit
from liveqa.domain.lifecycle import TRANSITIONS
from liveqa.domain.sealing import Sealer
from liveqa.extensions import db
from liveqa.models import FollowUp, FollowUpStatus, Question
from liveqa.models.types import PHONE_VAULT

log = logging.getLogger(__name__)

# A question whose status leads nowhere has its final outcome (a carried-over one goes on).
FINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)


class PhoneVault(Sealer):
    """Seals and opens phone numbers, and hashes them for matching."""

    def __init__(self, keys: list[str], hash_key: str):
        super().__init__(keys)
        self._hash_key = hash_key.encode("utf-8")

    def open(self, token: str) -> str | None:
        """Return the phone number sealed in TOKEN, or None if no key opens it."""
        phone = super().open(token)
        if phone is None:
            # Never the token or the number: only that a key is missing.
            log.error("a stored phone number could not be decrypted: is its key in PHONE_KEYS?")
        return phone

    def digest(self, phone: str) -> str:
        """Return the keyed hash of PHONE, written in any of its usual forms."""
        message = normalise_phone(phone).encode("ascii")
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()


def init_phone_vault(app) -> None:
    """Give APP the vault its configured phone keys make (a malformed key raises here)."""
    app.extensions[PHONE_VAULT] = PhoneVault(app.config["PHONE_KEYS"], app.config["PHONE_HASH_KEY"])


def normalise_phone(phone: str) -> str:
    """Return PHONE (ASCII digits, maybe a leading +) in one form: E.164 when it parses."""
    try:
        number = phonenumbers.parse(phone, "IR")
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_hash(phone: str | None) -> str | None:
    """Return the keyed hash that matches PHONE's other questions, or None."""
    if phone is None:
        return None
    return current_app.extensions[PHONE_VAULT].digest(phone)


def questions_by_phone(phone: str) -> list[Question]:
    """Return the questions whose asker gave PHONE, in any of its usual forms."""
    query = select(Question).where(Question.asker_phone_hash == phone_hash(phone))
    return list(db.session.scalars(query.order_by(Question.id)))


# The stored token, not the number: read and written without the vault.
_TOKEN = type_coerce(Question.asker_phone, Text)


def rotate_phone_keys() -> int:
    """Seal every stored phone number again under the first key; return how many."""
    vault = current_app.extensions[PHONE_VAULT]
    rows = db.session.execute(
        select(Question.id, _TOKEN.label("token")).where(Question.asker_phone.is_not(None))
    ).all()
    for row in rows:
        db.session.execute(
            update(Question)
            .where(Question.id == row.id)
            .values(
                asker_phone=type_coerce(vault.reseal(row.token), Text),
                updated_at=Question.updated_at,
            )
            # The version counter is for staff edits racing; a re-key is not one.
            .execution_options(synchronize_session=False)
        )
    return len(rows)


def _outcome_at():
    """Return the SQL expression for when a question reached its final outcome."""
    return func.coalesce(
        Question.answered_at, Question.rejected_at, Question.merged_at, Question.closed_at
    )


def erase_phones(now: datetime, days: int) -> int:
    """Erase the phone numbers kept DAYS past a final outcome with no open follow-up."""
    open_follow_up = exists().where(
        FollowUp.question_id == Question.id, FollowUp.status == FollowUpStatus.OPEN
    )
    due = db.session.scalars(
        select(Question.id).where(
            Question.asker_phone.is_not(None),
            Question.status.in_(FINAL),
            _outcome_at() <= now - timedelta(days=days),
            ~open_follow_up,
        )
    ).all()
    if due:
        db.session.execute(
            update(Question)
            .where(Question.id.in_(due))
            .values(asker_phone=None, asker_phone_hash=None, updated_at=Question.updated_at)
            .execution_options(synchronize_session=False)
        )
        # How many, never which numbers.
        record_audit(None, "phones_erased", after={"questions": len(due), "days": days})
    return len(due)

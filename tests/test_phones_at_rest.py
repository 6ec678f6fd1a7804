"""Askers' phone numbers: encrypted at rest under keys of their own, matched by hash, rotated."""

import pytest
from cryptography.fernet import Fernet, MultiFernet
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade
from sqlalchemy import Text, select, type_coerce
from sqlalchemy import text as sql_text

from config import DEV_PHONE_HASH_KEY, DEV_PHONE_KEY, Config, ProductionConfig
from liveqa.domain.phones import init_phone_vault, phone_hash, questions_by_phone
from liveqa.extensions import db
from liveqa.models import Question
from liveqa.serializers import question_staff
from tests.conftest import fresh
from tests.factories import Factory

PHONE = "09123456789"


def stored_token(question_id: int) -> str:
    """Return what the database holds in asker_phone, not what the model reads."""
    return db.session.scalar(
        select(type_coerce(Question.asker_phone, Text)).where(Question.id == question_id)
    )


def test_the_database_holds_a_token_the_model_reads_a_number(factory, live):
    question = factory.question(live, asker_phone="۰۹۱۲ ۳۴۵ ۶۷۸۹")
    token = stored_token(question.id)
    assert PHONE not in token and "6789" not in token
    assert Fernet(DEV_PHONE_KEY.encode()).decrypt(token.encode()).decode() == PHONE
    assert fresh(Question, question.id).asker_phone == PHONE
    # Staff see it masked, as before.
    assert question_staff(fresh(Question, question.id))["asker_phone"] == "0912•••••89"


def test_the_same_caller_is_matched_by_the_keyed_hash(factory, live):
    first = factory.question(live, asker_phone="09123456789")
    second = factory.question(live, asker_phone="+98 912 345 6789")
    other = factory.question(live, asker_phone="09351234567")
    assert first.asker_phone_hash == second.asker_phone_hash != other.asker_phone_hash
    assert len(first.asker_phone_hash) == 64
    assert [q.id for q in questions_by_phone("00989123456789")] == [first.id, second.id]
    assert factory.question(live).asker_phone_hash is None


def test_the_hash_depends_on_its_key(app, ctx):
    before = phone_hash(PHONE)
    app.config["PHONE_HASH_KEY"] = "another-hash-key"
    init_phone_vault(app)
    assert phone_hash(PHONE) != before


def _invoke(app, *args):
    with force_locale("en"):
        return app.test_cli_runner().invoke(args=list(args))


def test_rotate_phone_key_re_encrypts_under_the_new_first_key(app, factory, live):
    question = factory.question(live, asker_phone=PHONE)
    version = question.version
    new_key = Fernet.generate_key().decode()
    app.config["PHONE_KEYS"] = [new_key, DEV_PHONE_KEY]
    init_phone_vault(app)
    # Before the rotation both keys are needed; the old one still opens the row.
    assert fresh(Question, question.id).asker_phone == PHONE
    db.session.commit()

    result = _invoke(app, "rotate-phone-key")

    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 phone numbers" in result.output
    token = stored_token(question.id)
    assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == PHONE
    app.config["PHONE_KEYS"] = [new_key]
    init_phone_vault(app)
    rotated = fresh(Question, question.id)
    assert rotated.asker_phone == PHONE
    assert rotated.version == version


def test_a_number_no_key_opens_reads_as_none_and_is_logged_without_it(app, factory, live, caplog):
    question = factory.question(live, asker_phone=PHONE)
    app.config["PHONE_KEYS"] = [Fernet.generate_key().decode()]
    init_phone_vault(app)
    assert fresh(Question, question.id).asker_phone is None
    assert "could not be decrypted" in caplog.text
    assert stored_token(question.id) not in caplog.text


def _production(monkeypatch, **settings):
    values = {
        "SECRET_KEY": "a-real-secret",
        "PHONE_KEYS": [Fernet.generate_key().decode()],
        "PHONE_HASH_KEY": "a-real-phone-hash-key",
    } | settings
    for name, value in values.items():
        monkeypatch.setattr(ProductionConfig, name, value)


def test_production_starts_with_phone_keys_of_its_own(monkeypatch):
    _production(monkeypatch)
    ProductionConfig.validate("0.0.0.0")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"PHONE_KEYS": []}, "LIVEQA_PHONE_KEYS"),
        ({"PHONE_KEYS": [DEV_PHONE_KEY]}, "LIVEQA_PHONE_KEYS"),
        ({"PHONE_HASH_KEY": None}, "LIVEQA_PHONE_HASH_KEY"),
        ({"PHONE_HASH_KEY": DEV_PHONE_HASH_KEY}, "LIVEQA_PHONE_HASH_KEY"),
        ({"PHONE_HASH_KEY": "a-real-secret"}, "LIVEQA_PHONE_HASH_KEY"),
        ({"PHONE_KEYS": ["not-a-fernet-key"]}, "LIVEQA_PHONE_KEYS"),
        ({"PHONE_RETENTION_DAYS": 0}, "LIVEQA_PHONE_RETENTION_DAYS"),
    ],
    ids=["none", "dev-key", "no-hash-key", "dev-hash-key", "hash-is-secret", "bad-key", "days-0"],
)
def test_production_refuses_missing_or_public_phone_keys(monkeypatch, settings, message):
    _production(monkeypatch, **settings)
    with pytest.raises(RuntimeError, match=message):
        ProductionConfig.validate("127.0.0.1")


def test_development_uses_the_labelled_public_keys():
    assert Config.PHONE_KEYS == [DEV_PHONE_KEY]
    assert "NOT-SECRET" in Config.PHONE_HASH_KEY
    MultiFernet([Fernet(key.encode()) for key in Config.PHONE_KEYS])


def test_submission_through_every_edge_stores_a_token(client, factory, live):
    response = client.post(
        f"/api/v1/sessions/{live.id}/questions",
        json={"text": "پرسش با شماره", "phone": "+98 912 345 6789"},
    )
    assert response.status_code == 201, response.get_json()
    [question] = db.session.scalars(select(Question)).all()
    assert PHONE[1:] not in stored_token(question.id)
    assert question.asker_phone_hash == phone_hash(PHONE)


def test_the_migration_encrypts_stored_numbers_and_the_downgrade_decrypts_them(app):
    with app.app_context():
        db.drop_all()
        upgrade()
        question = Factory().question(asker_phone=PHONE)
        question_id = question.id
        db.session.commit()
        downgrade(revision="5e55a0b1c2d3")
        row = "SELECT asker_phone FROM questions WHERE id = :id"
        assert db.session.scalar(sql_text(row), {"id": question_id}) == PHONE
        db.session.commit()

        upgrade()

        token = db.session.scalar(sql_text(row), {"id": question_id})
        assert PHONE not in token
        assert Fernet(DEV_PHONE_KEY.encode()).decrypt(token.encode()).decode() == PHONE
        assert fresh(Question, question_id).asker_phone_hash == phone_hash(PHONE)
        db.session.remove()

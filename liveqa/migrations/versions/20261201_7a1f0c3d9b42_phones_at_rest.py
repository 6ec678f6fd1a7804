"""Askers' phone numbers encrypted at rest, with a keyed hash to match one caller's questions.

Revision ID: 7a1f0c3d9b42
Revises: 7a1c3e5b9d20
Create Date: 2026-12-01 18:00:00.000000

Existing numbers are encrypted with the first of LIVEQA_PHONE_KEYS of the app running the
upgrade; a downgrade decrypts them again (a number no key opens is lost, not kept).
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from liveqa.domain.phones import PhoneVault

# revision identifiers, used by Alembic.
revision = "7a1f0c3d9b42"
down_revision = "7a1c3e5b9d20"
branch_labels = None
depends_on = None

_questions = sa.table(
    "questions",
    sa.column("id", sa.Integer),
    sa.column("asker_phone", sa.Text),
    sa.column("asker_phone_hash", sa.String(64)),
)


def _vault() -> PhoneVault:
    return PhoneVault(current_app.config["PHONE_KEYS"], current_app.config["PHONE_HASH_KEY"])


def _phones(connection) -> list:
    query = sa.select(_questions.c.id, _questions.c.asker_phone).where(
        _questions.c.asker_phone.is_not(None)
    )
    return connection.execute(query).all()


def upgrade():
    """Widen asker_phone to hold a token, add asker_phone_hash, encrypt every stored number."""
    with op.batch_alter_table("questions") as batch_op:
        batch_op.alter_column(
            "asker_phone", existing_type=sa.String(length=20), type_=sa.Text(), nullable=True
        )
        batch_op.add_column(sa.Column("asker_phone_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_questions_asker_phone_hash", ["asker_phone_hash"])
    connection = op.get_bind()
    vault = _vault()
    for row in _phones(connection):
        connection.execute(
            _questions.update()
            .where(_questions.c.id == row.id)
            .values(
                asker_phone=vault.seal(row.asker_phone),
                asker_phone_hash=vault.digest(row.asker_phone),
            )
        )


def downgrade():
    """Decrypt every stored number back into a 20-character column; drop the hash."""
    connection = op.get_bind()
    vault = _vault()
    for row in _phones(connection):
        phone = vault.open(row.asker_phone)
        connection.execute(
            _questions.update()
            .where(_questions.c.id == row.id)
            .values(asker_phone=phone[:20] if phone else None)
        )
    with op.batch_alter_table("questions") as batch_op:
        batch_op.drop_index("ix_questions_asker_phone_hash")
        batch_op.drop_column("asker_phone_hash")
        batch_op.alter_column(
            "asker_phone", existing_type=sa.Text(), type_=sa.String(length=20), nullable=True
        )

"""Supports remember a keyed hash of their address; questions when a burst was seen.

Revision ID: 7a1c3e5b9d20
Revises: 7a1c3e9d2b40
Create Date: 2026-12-01 17:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a1c3e5b9d20"
down_revision = "7a1c3e9d2b40"
branch_labels = None
depends_on = None


def upgrade():
    """Add supports.address_hash (with its index) and questions.support_burst_at."""
    with op.batch_alter_table("supports") as batch_op:
        batch_op.add_column(sa.Column("address_hash", sa.String(length=16), nullable=True))
        batch_op.create_index(
            "ix_supports_address", ["question_id", "address_hash", "created_at"], unique=False
        )
    with op.batch_alter_table("questions") as batch_op:
        batch_op.add_column(sa.Column("support_burst_at", sa.DateTime(), nullable=True))


def downgrade():
    """Drop them again."""
    with op.batch_alter_table("questions") as batch_op:
        batch_op.drop_column("support_burst_at")
    with op.batch_alter_table("supports") as batch_op:
        batch_op.drop_index("ix_supports_address")
        batch_op.drop_column("address_hash")

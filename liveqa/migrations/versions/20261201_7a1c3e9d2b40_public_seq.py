"""The public stream: live_sessions.public_seq numbers the changes citizens see.

Revision ID: 7a1c3e9d2b40
Revises: 5e55a0b1c2d3
Create Date: 2026-12-01 17:35:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a1c3e9d2b40"
down_revision = "5e55a0b1c2d3"
branch_labels = None
depends_on = None


def upgrade():
    """Add live_sessions.public_seq (0 for existing sessions), never negative."""
    with op.batch_alter_table("live_sessions") as batch_op:
        batch_op.add_column(
            sa.Column("public_seq", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_live_sessions_public_seq_not_negative"), "public_seq >= 0"
        )


def downgrade():
    """Drop live_sessions.public_seq."""
    with op.batch_alter_table("live_sessions") as batch_op:
        batch_op.drop_constraint(op.f("ck_live_sessions_public_seq_not_negative"), type_="check")
        batch_op.drop_column("public_seq")

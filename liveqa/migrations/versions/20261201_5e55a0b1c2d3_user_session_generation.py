"""Users' session generation: bumping it ends every session of that user.

Revision ID: 5e55a0b1c2d3
Revises: 14058a76547c
Create Date: 2026-12-01 15:55:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e55a0b1c2d3"
down_revision = "14058a76547c"
branch_labels = None
depends_on = None


def upgrade():
    """Add users.session_generation, 0 for existing accounts."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column(
                "session_generation", sa.Integer(), server_default=sa.text("0"), nullable=False
            )
        )


def downgrade():
    """Drop users.session_generation."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_generation")

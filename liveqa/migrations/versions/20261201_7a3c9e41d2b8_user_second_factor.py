"""Users' second factor: an encrypted TOTP secret, whether it is on, the last step used.

Revision ID: 7a3c9e41d2b8
Revises: 7a1f0c3d9b42
Create Date: 2026-12-01 17:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a3c9e41d2b8"
down_revision = "7a1f0c3d9b42"
branch_labels = None
depends_on = None


def upgrade():
    """Add users.totp_secret, totp_enabled (false for existing accounts) and totp_last_step."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("totp_enabled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_users_totp_has_secret"), "NOT totp_enabled OR totp_secret IS NOT NULL"
        )


def downgrade():
    """Drop the second-factor columns."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(op.f("ck_users_totp_has_secret"), type_="check")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled")
        batch_op.drop_column("totp_secret")

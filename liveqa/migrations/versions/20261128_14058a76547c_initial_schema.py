"""Initial schema: every table, constraint and index of LiveQA's models.

Revision ID: 14058a76547c
Revises:
Create Date: 2026-11-28 07:59:23.682165

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "14058a76547c"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    """Create every table."""
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("number", name=op.f("uq_districts_number")),
    )
    op.create_table(
        "editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.CheckConstraint("number > 0", name=op.f("ck_editions_number_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_editions")),
        sa.UniqueConstraint("number", name=op.f("uq_editions_number")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "moderator",
                "operator",
                "official",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "open",
                "live",
                "closed",
                name="session_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("live_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status <> 'closed' OR closed_at IS NOT NULL",
            name=op.f("ck_live_sessions_closed_has_time"),
        ),
        sa.CheckConstraint(
            "status = 'scheduled' OR opened_at IS NOT NULL",
            name=op.f("ck_live_sessions_opened_has_time"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_live_sessions_ends_after_start")),
        sa.CheckConstraint("seq >= 0", name=op.f("ck_live_sessions_seq_not_negative")),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["editions.id"], name=op.f("fk_live_sessions_edition_id_editions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sessions")),
    )
    op.create_index("ix_live_sessions_starts_at", "live_sessions", ["starts_at"], unique=False)

    op.create_table(
        "officials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("portfolio", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_officials_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officials")),
        sa.UniqueConstraint("user_id", name=op.f("uq_officials_user_id")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("default_official_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["default_official_id"],
            ["officials.id"],
            name=op.f("fk_categories_default_official_id_officials"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("slug", name=op.f("uq_categories_slug")),
    )
    op.create_table(
        "session_officials",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["official_id"],
            ["officials.id"],
            name=op.f("fk_session_officials_official_id_officials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["live_sessions.id"],
            name=op.f("fk_session_officials_session_id_live_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "official_id", name=op.f("pk_session_officials")),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(length=16), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("edited_text", sa.Text(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("asker_name", sa.String(length=80), nullable=True),
        sa.Column("asker_phone", sa.String(length=20), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "web",
                "phone",
                name="question_channel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "approved",
                "routed",
                "on_air",
                "answered",
                "rejected",
                "merged",
                "carried_over",
                "unanswered",
                name="question_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column(
            "reject_reason",
            sa.Enum(
                "duplicate",
                "off_topic",
                "not_municipal",
                "offensive",
                "personal_data",
                "unclear",
                "other",
                name="reject_reason",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("reject_note", sa.String(length=500), nullable=True),
        sa.Column("carried_from_session_id", sa.Integer(), nullable=True),
        sa.Column("carried_to_session_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("support_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("routed_at", sa.DateTime(), nullable=True),
        sa.Column("on_air_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("rejected_at", sa.DateTime(), nullable=True),
        sa.Column("merged_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(status = 'carried_over') = (carried_to_session_id IS NOT NULL)",
            name=op.f("ck_questions_carried_has_target"),
        ),
        sa.CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)",
            name=op.f("ck_questions_merged_has_target"),
        ),
        sa.CheckConstraint(
            "(status = 'rejected') = (reject_reason IS NOT NULL)",
            name=op.f("ck_questions_rejected_has_reason"),
        ),
        sa.CheckConstraint(
            "channel <> 'phone' OR entered_by_id IS NOT NULL",
            name=op.f("ck_questions_phone_has_operator"),
        ),
        sa.CheckConstraint(
            "status <> 'answered' OR answered_at IS NOT NULL",
            name=op.f("ck_questions_answered_has_time"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('routed', 'on_air', 'answered') OR official_id IS NOT NULL",
            name=op.f("ck_questions_routed_has_official"),
        ),
        sa.CheckConstraint(
            "edited_text IS NULL OR length(edited_text) BETWEEN 1 AND 1000",
            name=op.f("ck_questions_edited_text_length"),
        ),
        sa.CheckConstraint(
            "length(text) BETWEEN 1 AND 1000", name=op.f("ck_questions_text_length")
        ),
        sa.CheckConstraint(
            "merged_into_id IS NULL OR merged_into_id <> id",
            name=op.f("ck_questions_not_merged_self"),
        ),
        sa.CheckConstraint(
            "support_count >= 0", name=op.f("ck_questions_support_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["carried_from_session_id"],
            ["live_sessions.id"],
            name=op.f("fk_questions_carried_from_session_id_live_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["carried_to_session_id"],
            ["live_sessions.id"],
            name=op.f("fk_questions_carried_to_session_id_live_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_questions_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_questions_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_questions_entered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["questions.id"], name=op.f("fk_questions_merged_into_id_questions")
        ),
        sa.ForeignKeyConstraint(
            ["official_id"], ["officials.id"], name=op.f("fk_questions_official_id_officials")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_sessions.id"], name=op.f("fk_questions_session_id_live_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("client_key", name=op.f("uq_questions_client_key")),
        sa.UniqueConstraint("tracking_code", name=op.f("uq_questions_tracking_code")),
    )
    op.create_index(op.f("ix_questions_client_id"), "questions", ["client_id"], unique=False)
    op.create_index(op.f("ix_questions_official_id"), "questions", ["official_id"], unique=False)
    op.create_index(op.f("ix_questions_session_id"), "questions", ["session_id"], unique=False)
    op.create_index(
        "ix_questions_session_status", "questions", ["session_id", "status"], unique=False
    )
    op.create_index(
        "uq_questions_one_on_air",
        "questions",
        ["session_id"],
        unique=True,
        sqlite_where=sa.text("status = 'on_air'"),
        postgresql_where=sa.text("status = 'on_air'"),
    )

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "written",
                "verbal",
                name="answer_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("length(text) BETWEEN 1 AND 4000", name=op.f("ck_answers_text_length")),
        sa.ForeignKeyConstraint(
            ["official_id"], ["officials.id"], name=op.f("fk_answers_official_id_officials")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_answers_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("question_id", name=op.f("uq_answers_question_id")),
    )
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_records_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_audit_records_question_id_questions")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["live_sessions.id"],
            name=op.f("fk_audit_records_session_id_live_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_records")),
    )
    op.create_index(
        op.f("ix_audit_records_question_id"), "audit_records", ["question_id"], unique=False
    )
    op.create_index(
        op.f("ix_audit_records_session_id"), "audit_records", ["session_id"], unique=False
    )

    op.create_table(
        "supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_supports_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supports")),
        sa.UniqueConstraint("question_id", "client_id", name="uq_supports_once"),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("responsible_unit", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "done",
                name="follow_up_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "length(responsible_unit) >= 1", name=op.f("ck_follow_ups_unit_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_follow_ups_answer_id_answers")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_follow_ups_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    op.create_index(op.f("ix_follow_ups_question_id"), "follow_ups", ["question_id"], unique=False)


def downgrade():
    """Drop every table."""
    op.drop_index(op.f("ix_follow_ups_question_id"), table_name="follow_ups")

    op.drop_table("follow_ups")
    op.drop_table("supports")
    op.drop_index(op.f("ix_audit_records_session_id"), table_name="audit_records")
    op.drop_index(op.f("ix_audit_records_question_id"), table_name="audit_records")

    op.drop_table("audit_records")
    op.drop_table("answers")
    op.drop_index(
        "uq_questions_one_on_air",
        table_name="questions",
        sqlite_where=sa.text("status = 'on_air'"),
        postgresql_where=sa.text("status = 'on_air'"),
    )
    op.drop_index("ix_questions_session_status", table_name="questions")
    op.drop_index(op.f("ix_questions_session_id"), table_name="questions")
    op.drop_index(op.f("ix_questions_official_id"), table_name="questions")
    op.drop_index(op.f("ix_questions_client_id"), table_name="questions")

    op.drop_table("questions")
    op.drop_table("session_officials")
    op.drop_table("categories")
    op.drop_table("officials")
    op.drop_index("ix_live_sessions_starts_at", table_name="live_sessions")

    op.drop_table("live_sessions")
    op.drop_table("users")
    op.drop_table("editions")
    op.drop_table("districts")

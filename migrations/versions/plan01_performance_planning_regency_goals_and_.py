"""performance planning: regency goals and SKP

Revision ID: plan01
Revises: rateb01
Create Date: 2026-12-01 16:55:58.425868

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "plan01"
down_revision = "rateb01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "regency_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["regency_goals.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("regency_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regency_goals_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "regency_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("unit_label", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["regency_goals.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("regency_indicators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_regency_indicators_goal_id"), ["goal_id"], unique=False
        )

    op.create_table(
        "regency_indicator_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["regency_indicators.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", "year", name="uq_regency_target_year"),
    )
    op.create_table(
        "skps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["ab_user.id"],
        ),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("employee_id", "year", "period_kind", name="uq_skp_employee_year_kind"),
    )
    with op.batch_alter_table("skps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skps_employee_id"), ["employee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_skps_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_skps_year"), ["year"], unique=False)

    op.create_table(
        "skp_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skp_id", sa.Integer(), nullable=False),
        sa.Column("rhk_key", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["ab_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["skp_feedback.id"],
        ),
        sa.ForeignKeyConstraint(["skp_id"], ["skps.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("skp_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skp_feedback_rhk_key"), ["rhk_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_skp_feedback_skp_id"), ["skp_id"], unique=False)

    op.create_table(
        "skp_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skp_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=True),
        sa.Column("expectations", sa.JSON(), nullable=False),
        sa.Column("annex", sa.JSON(), nullable=False),
        sa.Column("revision_reason", sa.Text(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluator_id"],
            ["employees.id"],
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["ab_user.id"],
        ),
        sa.ForeignKeyConstraint(["skp_id"], ["skps.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["ab_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("skp_id", "number", name="uq_skp_version_number"),
    )
    with op.batch_alter_table("skp_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skp_versions_skp_id"), ["skp_id"], unique=False)

    op.create_table(
        "skp_rhk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("parent_rhk_id", sa.Integer(), nullable=True),
        sa.Column("iku_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["iku_id"], ["ikus.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["parent_rhk_id"], ["skp_rhk.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["version_id"], ["skp_versions.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("skp_rhk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skp_rhk_iku_id"), ["iku_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_skp_rhk_key"), ["key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_skp_rhk_parent_rhk_id"), ["parent_rhk_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_skp_rhk_version_id"), ["version_id"], unique=False)

    op.create_table(
        "skp_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rhk_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("aspect", sa.String(length=10), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("target", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("unit_label", sa.String(length=40), nullable=False),
        sa.Column("field_key", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["rhk_id"], ["skp_rhk.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("skp_indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skp_indicators_rhk_id"), ["rhk_id"], unique=False)

    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skp_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_entries_skp_id"), ["skp_id"], unique=False)
        batch_op.create_foreign_key("fk_audit_entries_skp_id", "skps", ["skp_id"], ["id"])

    with op.batch_alter_table("ikus", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regency_goal_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_ikus_regency_goal_id"), ["regency_goal_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_ikus_regency_goal_id", "regency_goals", ["regency_goal_id"], ["id"]
        )

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skp_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("targets", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            "fk_submissions_skp_version_id", "skp_versions", ["skp_version_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_submissions_skp_version_id", type_="foreignkey")
        batch_op.drop_column("targets")
        batch_op.drop_column("skp_version_id")

    with op.batch_alter_table("ikus", schema=None) as batch_op:
        batch_op.drop_constraint("fk_ikus_regency_goal_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_ikus_regency_goal_id"))
        batch_op.drop_column("regency_goal_id")

    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_constraint("fk_audit_entries_skp_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_audit_entries_skp_id"))
        batch_op.drop_column("skp_id")

    with op.batch_alter_table("skp_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skp_indicators_rhk_id"))

    op.drop_table("skp_indicators")
    with op.batch_alter_table("skp_rhk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skp_rhk_version_id"))
        batch_op.drop_index(batch_op.f("ix_skp_rhk_parent_rhk_id"))
        batch_op.drop_index(batch_op.f("ix_skp_rhk_key"))
        batch_op.drop_index(batch_op.f("ix_skp_rhk_iku_id"))

    op.drop_table("skp_rhk")
    with op.batch_alter_table("skp_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skp_versions_skp_id"))

    op.drop_table("skp_versions")
    with op.batch_alter_table("skp_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skp_feedback_skp_id"))
        batch_op.drop_index(batch_op.f("ix_skp_feedback_rhk_key"))

    op.drop_table("skp_feedback")
    with op.batch_alter_table("skps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skps_year"))
        batch_op.drop_index(batch_op.f("ix_skps_unit_id"))
        batch_op.drop_index(batch_op.f("ix_skps_employee_id"))

    op.drop_table("skps")
    op.drop_table("regency_indicator_targets")
    with op.batch_alter_table("regency_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regency_indicators_goal_id"))

    op.drop_table("regency_indicators")
    with op.batch_alter_table("regency_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regency_goals_parent_id"))

    op.drop_table("regency_goals")

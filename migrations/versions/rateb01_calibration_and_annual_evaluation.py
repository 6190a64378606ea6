"""calibration (kalibrasi) and annual evaluation (evaluasi kinerja tahunan)

Revision ID: rateb01
Revises: seca01
Create Date: 2026-12-01 14:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "rateb01"
down_revision = "seca01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calibrated_predikat", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("calibration_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("calibrated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("calibrated_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_submissions_calibrated_by_id", "ab_user", ["calibrated_by_id"], ["id"]
        )
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["closed_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["period_id"], ["evaluation_periods.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "period_id", name="uq_calibration_unit_period"),
    )
    op.create_table(
        "annual_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("achievement", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("proposed_hasil", sa.String(length=16), nullable=True),
        sa.Column("proposed_perilaku", sa.String(length=16), nullable=True),
        sa.Column("hasil_rating", sa.String(length=16), nullable=False),
        sa.Column("perilaku_rating", sa.String(length=16), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("predikat", sa.String(length=20), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["approved_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"]),
        sa.ForeignKeyConstraint(["evaluator_id"], ["employees.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("employee_id", "year", name="uq_annual_employee_year"),
    )


def downgrade():
    op.drop_table("annual_evaluations")
    op.drop_table("calibrations")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_submissions_calibrated_by_id", type_="foreignkey")
        batch_op.drop_column("calibrated_by_id")
        batch_op.drop_column("calibrated_at")
        batch_op.drop_column("calibration_reason")
        batch_op.drop_column("calibrated_predikat")

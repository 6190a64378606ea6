"""Indicator forms: shared regency-wide (dibagikan) or private to their unit

Revision ID: secb01
Revises: 6e465a2befa4
Create Date: 2026-12-01 14:20:00

Existing unit forms become private: before, every unit admin could read and clone
every published form; now the owner (or HR) shares a form explicitly. Forms without
a unit (regency-wide, made by HR) stay visible to every unit as before.
"""
from alembic import op
import sqlalchemy as sa


revision = "secb01"
down_revision = "6e465a2befa4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("indicator_forms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shared", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("indicator_forms", schema=None) as batch_op:
        batch_op.drop_column("shared")

"""security stamp of each account; rate-limit counters shared by every worker

Revision ID: seca01
Revises: data01
Create Date: 2026-12-01 14:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "seca01"
down_revision = "data01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("rate_limit_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rate_limit_counters_expires_at"), ["expires_at"], unique=False
        )
    # Existing accounts get the empty stamp: sessions from before the upgrade carry none
    # and log in again once; the next logout or reset gives the account a random stamp.
    with op.batch_alter_table("ab_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("security_stamp", sa.String(length=32), server_default="", nullable=False)
        )
    with op.batch_alter_table("ab_user", schema=None) as batch_op:
        batch_op.alter_column("security_stamp", server_default=None)  # new rows: the app's


def downgrade():
    with op.batch_alter_table("ab_user", schema=None) as batch_op:
        batch_op.drop_column("security_stamp")
    op.drop_table("rate_limit_counters")

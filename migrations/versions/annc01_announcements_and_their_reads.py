"""announcements and their reads

Revision ID: annc01
Revises: notif01
Create Date: 2026-12-01 17:39:21.796938

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "annc01"
down_revision = "notif01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("attachment_key", sa.String(length=120), nullable=True),
        sa.Column("attachment_name", sa.String(length=200), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["ab_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_announcements_expires_on"), ["expires_on"], unique=False
        )

    op.create_table(
        "announcement_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["ab_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("announcement_id", "user_id", name="uq_announcement_read"),
    )
    with op.batch_alter_table("announcement_reads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_announcement_reads_announcement_id"), ["announcement_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("announcement_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_reads_announcement_id"))

    op.drop_table("announcement_reads")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcements_expires_on"))

    op.drop_table("announcements")

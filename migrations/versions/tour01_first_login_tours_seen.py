"""first-login tours seen

Revision ID: tour01
Revises: jobs01
Create Date: 2026-12-01 18:57:39.999089

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "tour01"
down_revision = "jobs01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tours_seen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tour", sa.String(length=20), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "tour", name="uq_tour_seen"),
    )


def downgrade():
    op.drop_table("tours_seen")

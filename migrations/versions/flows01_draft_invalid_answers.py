"""drafts keep invalid answers as typed (submissions.invalid_answers)

Revision ID: flows01
Revises: annc01
Create Date: 2026-12-01 17:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "flows01"
down_revision = "annc01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invalid_answers", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("invalid_answers")

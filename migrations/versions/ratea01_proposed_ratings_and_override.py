"""proposed ratings and the evaluator's override reason on submissions; what /verify
shows of a printed copy (masked name, predikat); units' letterhead address and phone

Revision ID: ratea01
Revises: secb01
Create Date: 2026-12-01 14:20:00

Approved submissions get their current ratings as the proposal: before this
revision the portal's proposal was always the final rating.
"""

import sqlalchemy as sa
from alembic import op

revision = "ratea01"
down_revision = "secb01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposed_hasil_rating", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("proposed_perilaku_rating", sa.String(length=16), nullable=True)
        )
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("printed", sa.JSON(), nullable=True))
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE submissions SET proposed_hasil_rating = hasil_rating, "
        "proposed_perilaku_rating = perilaku_rating WHERE hasil_rating IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("phone")
        batch_op.drop_column("address")
    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.drop_column("printed")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("override_reason")
        batch_op.drop_column("proposed_perilaku_rating")
        batch_op.drop_column("proposed_hasil_rating")

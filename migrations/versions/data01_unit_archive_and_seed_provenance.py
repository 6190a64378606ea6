"""Units: archived flag, and the seed's provenance flags (unconfirmed, example)

Revision ID: data01
Revises: ratea01
Create Date: 2026-12-01 14:30:00

Existing units whose code and name are still the seed's get the seed's flags, so an
invented example unit never reads as official after the upgrade.
"""

from alembic import op
import sqlalchemy as sa

from seeds import read_yaml

# revision identifiers, used by Alembic.
revision = "data01"
down_revision = "ratea01"
branch_labels = None
depends_on = None

_FLAGS = ("archived", "unconfirmed", "example")


def upgrade():
    with op.batch_alter_table("units") as batch_op:
        for name in _FLAGS:
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )
    with op.batch_alter_table("units") as batch_op:
        for name in _FLAGS:
            batch_op.alter_column(name, server_default=None)
    units = sa.table(
        "units",
        sa.column("code"),
        sa.column("name"),
        sa.column("unconfirmed", sa.Boolean()),
        sa.column("example", sa.Boolean()),
    )
    for item in read_yaml("units.yaml"):
        flags = {f: bool(item.get(f)) for f in ("unconfirmed", "example") if item.get(f)}
        if flags:
            op.execute(
                units.update()
                .where(units.c.code == item["code"], units.c.name == item["name"])
                .values(**flags)
            )


def downgrade():
    with op.batch_alter_table("units") as batch_op:
        for name in reversed(_FLAGS):
            batch_op.drop_column(name)

"""closure tables of the unit tree and the supervision hierarchy, built from existing data;
covering indexes for scoped counts

Revision ID: scale01
Revises: flows01
Create Date: 2026-12-01 17:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "scale01"
down_revision = "flows01"
branch_labels = None
depends_on = None

# (closure table, node table, parent column); the same rows app.models.hierarchy.rebuild writes.
CLOSURES = (
    ("unit_closure", "units", "parent_id"),
    ("supervisor_closure", "employees", "supervisor_id"),
)
FILL = """
INSERT INTO {closure} (ancestor_id, descendant_id, depth)
WITH RECURSIVE up(descendant_id, ancestor_id, depth) AS (
    SELECT id, id, 0 FROM {nodes}
    UNION ALL
    SELECT up.descendant_id, n.{parent}, up.depth + 1
    FROM up JOIN {nodes} n ON n.id = up.ancestor_id
    WHERE n.{parent} IS NOT NULL AND up.depth < 64
)
SELECT ancestor_id, descendant_id, min(depth) FROM up GROUP BY ancestor_id, descendant_id
"""
DASHBOARD_INCLUDE = ["employee_id", "predikat", "calibrated_predikat", "achievement"]
STATISTICS = """CREATE STATISTICS st_submissions_groups (ndistinct)
ON period_id, unit_id, state, (coalesce(calibrated_predikat, predikat)) FROM submissions"""
INDEXES = (
    ("ix_submissions_employee_id", "submissions", ["employee_id", "id"]),
    ("ix_submissions_unit_employee_id", "submissions", ["unit_id", "employee_id", "id"]),
    ("ix_employees_unit_active_id", "employees", ["unit_id", "active", "id"]),
)


def upgrade():
    for closure, nodes, _parent in CLOSURES:
        op.create_table(
            closure,
            sa.Column("ancestor_id", sa.Integer(), nullable=False),
            sa.Column("descendant_id", sa.Integer(), nullable=False),
            sa.Column("depth", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["ancestor_id"], [f"{nodes}.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["descendant_id"], [f"{nodes}.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("ancestor_id", "descendant_id"),
        )
        op.create_index(
            f"ix_{closure}_descendant", closure, ["descendant_id", "ancestor_id"], unique=False
        )
    for closure, nodes, parent in CLOSURES:
        op.execute(FILL.format(closure=closure, nodes=nodes, parent=parent))
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.drop_index("ix_employees_unit_active", table_name="employees")  # a prefix of the above
    _period_index(include=DASHBOARD_INCLUDE)
    if _postgresql_14():
        # How many (unit, state, predikat) groups a period has: without it the planner
        # guesses 200 predikat values and sorts 100,000 rows on disk instead of hashing.
        op.execute(STATISTICS)


def _period_index(include: list[str]) -> None:
    """The dashboard's index by period, unit and state, with (or without) what it counts."""
    op.drop_index("ix_submissions_period_unit_state", table_name="submissions")
    op.create_index(
        "ix_submissions_period_unit_state", "submissions", ["period_id", "unit_id", "state"],
        unique=False, postgresql_include=include,
    )  # fmt: skip


def _postgresql_14() -> bool:
    bind = op.get_bind()
    return bind.dialect.name == "postgresql" and bind.dialect.server_version_info >= (14,)


def downgrade():
    if _postgresql_14():
        op.execute("DROP STATISTICS IF EXISTS st_submissions_groups")
    _period_index(include=[])
    op.create_index("ix_employees_unit_active", "employees", ["unit_id", "active"], unique=False)
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
    for closure, _nodes, _parent in CLOSURES:
        op.drop_index(f"ix_{closure}_descendant", table_name=closure)
        op.drop_table(closure)

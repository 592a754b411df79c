"""one open callback request per content

The idempotency key (a hash of the conversation and the request's content)
was unique over all requests, so a request cancelled or handled stood in
for the same request sent again: nobody would call. Now it is unique among
open requests only (new, claimed, no_answer), by a partial unique index.

SQLite cannot drop a table's UNIQUE constraint: the table is copied (batch
mode). The connection has foreign keys on, so dropping the old table would
cascade to callback_events; the events are kept aside and put back.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

TABLE = "callback_requests"
INDEX = "uq_callback_open_request"
# PostgreSQL's own name for the unnamed constraint; on SQLite the same name is
# given to the reflected unnamed constraint.
CONSTRAINT = "callback_requests_idempotency_key_key"
NAMING = {"uq": "%(table_name)s_%(column_0_name)s_key"}
OPEN = sa.text("state IN ('new', 'claimed', 'no_answer')")


def _keeping_events(change) -> None:
    """Runs change(batch_op) on a copy of the table, without losing the events."""
    op.execute("CREATE TEMP TABLE callback_events_kept AS SELECT * FROM callback_events")
    with op.batch_alter_table(TABLE, recreate="always", naming_convention=NAMING) as batch_op:
        change(batch_op)
    op.execute("DELETE FROM callback_events")
    op.execute("INSERT INTO callback_events SELECT * FROM callback_events_kept")
    op.execute("DROP TABLE callback_events_kept")


def _unique_key_constraint() -> str:
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints(TABLE):
        if constraint["column_names"] == ["idempotency_key"]:
            return constraint["name"]
    return CONSTRAINT


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _keeping_events(lambda batch_op: batch_op.drop_constraint(CONSTRAINT, type_="unique"))
    else:
        op.drop_constraint(_unique_key_constraint(), TABLE, type_="unique")
    op.create_index(
        INDEX,
        TABLE,
        ["idempotency_key"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    # Fails when a closed request and a later one share a key: merge or delete first.
    op.drop_index(INDEX, table_name=TABLE)
    if op.get_bind().dialect.name == "sqlite":
        _keeping_events(
            lambda batch_op: batch_op.create_unique_constraint(CONSTRAINT, ["idempotency_key"])
        )
    else:
        op.create_unique_constraint(CONSTRAINT, TABLE, ["idempotency_key"])

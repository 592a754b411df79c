"""Starting a write over when SQLite's read snapshot went stale.

In WAL mode SQLite cannot turn a transaction that has read into one that
writes once another connection has committed in between: it answers
"database is locked" at once (SQLITE_BUSY_SNAPSHOT), busy_timeout does not
help. Such a transaction has written nothing yet, so rolling it back and
doing the work again from a fresh snapshot loses nothing. PostgreSQL never
raises this; the unique constraints decide there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

T = TypeVar("T")
ATTEMPTS = 20


def _stale_snapshot(session: Session, error: OperationalError) -> bool:
    return session.get_bind().dialect.name == "sqlite" and "locked" in str(error.orig)


def run_writing(session: Session, work: Callable[[], T]) -> T:
    """work(), again from a fresh transaction when SQLite's snapshot was stale.

    A session holding unflushed changes gets no retry: rolling back would
    silently drop them.
    """
    retry = not (session.new or session.dirty or session.deleted)
    for attempt in range(ATTEMPTS):
        try:
            return work()
        except OperationalError as error:
            if not (retry and _stale_snapshot(session, error)) or attempt == ATTEMPTS - 1:
                raise
            session.rollback()
    raise AssertionError("unreachable")

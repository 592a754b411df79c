"""The application database (SQLAlchemy 2.0-style code, running on 1.4).

Rasa keeps conversation events in its own tracker store; this database holds
what Neuvo itself owns: feedback now, the catalogue, callbacks and bookings
later.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from bot.settings import Settings

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT (nested
    # transactions, used by the importers): let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    # WAL lets the web app read while the action server writes; the busy
    # timeout makes concurrent writers wait instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# Execution option marking a session that only reads (see session_scope).
READ_ONLY = "neuvo_read_only"


def _sqlite_begin(connection) -> None:
    # A deferred BEGIN that reads first and writes later fails at once with
    # "database is locked" (SQLITE_BUSY_SNAPSHOT, which the busy timeout does
    # not cover) when another process wrote in between, e.g. the retention
    # job. Taking the write lock at BEGIN makes such writers wait their turn
    # instead; sessions that only read keep the deferred BEGIN and never wait.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def default_engine() -> Engine:
    return engine_for(Settings().database_url)


# Every module that declares tables on Base. The one list that init_db and the
# Alembic migrations (migrations/env.py) both read: a new model module goes here.
MODEL_MODULES = (
    "bot.appointments.models",
    "bot.callbacks.models",
    "bot.callbacks.phone_drafts",
    "bot.catalogue.models",
    "bot.catalogue.search_index",
    "bot.models",
    "bot.review.models",
    "bot.staff.models",
)


def import_models() -> None:
    """Registers every table on Base.metadata."""
    for module in MODEL_MODULES:
        importlib.import_module(module)


def init_db(engine: Engine) -> None:
    """Create the tables that do not exist yet (scratch databases; `neuvo init-db` migrates)."""
    import_models()
    Base.metadata.create_all(engine)


@contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error.

    read_only=True is for hot paths that never write (catalogue searches):
    on SQLite they then read beside a long write, such as an import, instead
    of queuing behind it.
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    factory = sessionmaker(bind=bind, future=True, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

"""The application database's schema: Alembic migrations (migrations/).

`neuvo init-db` calls upgrade() on SQLite and PostgreSQL alike, so every
schema change reaches every database as a migration. Databases made with
create_all before migrations existed are adopted once: missing tables are
created and the database is stamped as at head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from bot.db import Base, import_models
from bot.settings import PROJECT_ROOT

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
VERSION_TABLE = "alembic_version"
# Any constant: serialises migrations started by several processes at once
# (e.g. two pods starting together) on PostgreSQL.
_MIGRATION_LOCK_KEY = 4_242_001


def alembic_config(connection: Connection | None = None, ini: Path = ALEMBIC_INI) -> Config:
    config = Config(str(ini))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Only our own tables: the same database also holds Rasa's tracker store
    ("events") and, on SQLite, the catalogue's full-text index tables."""
    if type_ == "table":
        return name in Base.metadata.tables or name == VERSION_TABLE
    return True


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Brings the database to the newest migration; returns what was done."""
    import_models()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        config = alembic_config(connection)
        tables = set(inspect(connection).get_table_names())
        if VERSION_TABLE not in tables and tables & set(Base.metadata.tables):
            Base.metadata.create_all(connection)
            command.stamp(config, "head")
            return "adopted a database made before migrations; stamped at head"
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
    return f"migrated {before or 'empty'} -> {after}" if before != after else f"at {after}"


def schema_differences(engine: Engine) -> list:
    """What the models have that the database lacks, or the reverse (empty when in step)."""
    import_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        return compare_metadata(context, Base.metadata)

"""Alembic environment: the models of bot.db.MODEL_MODULES, the database of Settings.

bot/schema.py passes an open connection in config.attributes["connection"];
the alembic command line connects to NEUVO_DATABASE_URL itself.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from bot.db import Base, import_models, make_engine
from bot.schema import include_name
from bot.settings import Settings

import_models()
config = context.config


def _configure(**options) -> None:
    context.configure(
        target_metadata=Base.metadata, include_name=include_name, compare_type=True, **options
    )


def run_offline() -> None:
    _configure(url=Settings().database_url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    # SQLite cannot ALTER most things in place: batch mode copies the table.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if context.is_offline_mode():
    run_offline()
elif given is not None:
    run_online(given)
else:
    if config.config_file_name:
        fileConfig(config.config_file_name)
    engine = make_engine(Settings().database_url)
    try:
        with engine.connect() as connection:
            run_online(connection)
    finally:
        engine.dispose()

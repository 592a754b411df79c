"""Real SQLite databases with the demo catalogue, for service-level tests.

Loading the catalogue takes seconds, so it is loaded once into a template
file and each test gets its own copy.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.appointments.demo import generate_demo_slots
from bot.catalogue.loader import load_all
from bot.db import init_db, make_engine, session_scope


def build_template(directory: Path, slots_from: date | None = None, weeks: int = 4) -> Path:
    """A database file with the catalogue (and demo times from slots_from, if given)."""
    path = directory / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    with session_scope(engine) as session:
        load_all(session, demo=True)
        if slots_from is not None:
            generate_demo_slots(session, slots_from, weeks)
    # Closing the last connection folds the WAL into the main file, so one file is a copy.
    engine.dispose()
    return path


def copy_of(template: Path, directory: Path) -> Engine:
    target = directory / "test.sqlite"
    shutil.copyfile(template, target)
    return make_engine(f"sqlite:///{target}")

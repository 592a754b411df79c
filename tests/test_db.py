"""Transactions on the embedded SQLite database with several writers.

The web app, the action server and the retention job each hold their own
connections to one SQLite file. A transaction that reads first and writes
later must not fail because another connection wrote in between.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db import init_db, make_engine, session_scope
from bot.models import Feedback


@pytest.fixture
def engines(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'neuvo.db'}"
    # Two engines: two processes' connection pools on the same file.
    first, second = make_engine(url), make_engine(url)
    init_db(first)
    yield first, second
    first.dispose()
    second.dispose()


def feedback(conversation_id: str) -> Feedback:
    return Feedback(conversation_id=conversation_id, rating="up")


def test_a_write_after_a_read_survives_another_connections_write(engines) -> None:
    app, job = engines

    def other_process_writes() -> None:
        with session_scope(job) as db:
            db.add(feedback("from-the-job"))

    with session_scope(app) as db:
        seen = db.execute(select(func.count()).select_from(Feedback)).scalar_one()
        writer = threading.Thread(target=other_process_writes)
        writer.start()
        # Long enough for the other write to commit if nothing held it back;
        # before the fix this session's INSERT then failed with "database is locked".
        time.sleep(0.5)
        db.add(feedback("from-the-app"))
    writer.join(timeout=15)

    assert seen == 0
    with session_scope(app) as db:
        saved = set(db.execute(select(Feedback.conversation_id)).scalars())
    assert saved == {"from-the-job", "from-the-app"}


def test_a_read_only_session_reads_beside_an_open_write(engines) -> None:
    app, job = engines
    with session_scope(job) as writing:
        writing.add(feedback("not-yet-committed"))
        writing.flush()
        # A reader queued behind the writer would fail after the busy timeout.
        with session_scope(app, read_only=True) as reading:
            count = reading.execute(select(func.count()).select_from(Feedback)).scalar_one()
        assert count == 0

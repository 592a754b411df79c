"""The current time, in Finland.

Promised call times depend on the weekday and on public holidays, so tests
and demos must be able to say "it is Christmas Eve, 19:00". When the
environment variable NEUVO_CLOCK_FILE names a file holding an ISO time, that
time is "now" (read on every call, so a running server follows changes).
Production leaves it unset.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

FINLAND = ZoneInfo("Europe/Helsinki")


def now() -> datetime:
    """Aware current time in Europe/Helsinki."""
    override = os.environ.get("NEUVO_CLOCK_FILE")
    if override and Path(override).is_file():
        text = Path(override).read_text(encoding="utf-8").strip()
        if text:
            moment = datetime.fromisoformat(text)
            return (moment if moment.tzinfo else moment.replace(tzinfo=FINLAND)).astimezone(FINLAND)
    return datetime.now(FINLAND)

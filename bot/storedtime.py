"""The database stores naive UTC times (see bot.db.utcnow); code works with aware ones."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.clock import FINLAND


def to_stored(moment: datetime) -> datetime:
    """Naive UTC for a column; a naive input is taken to be Finnish local time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=FINLAND)
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def from_stored(moment: datetime | None) -> datetime | None:
    """Aware Finnish time for a stored naive UTC value."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(FINLAND)

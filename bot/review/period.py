"""The date range of the review and analytics pages, in Finnish days.

Residents and staff think in local days: a conversation at 00:30 Finnish
time belongs to that day, not to the previous UTC day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.staff.context import FINNISH_TIME

DEFAULT_DAYS = 7
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive
    end: date  # last day, inclusive

    @classmethod
    def ending(cls, last_day: date, days: int = DEFAULT_DAYS) -> Period:
        return cls(last_day - timedelta(days=days - 1), last_day)

    @classmethod
    def from_query(cls, query: Mapping[str, str], today: date) -> Period:
        """?from=YYYY-MM-DD&to=YYYY-MM-DD; missing or unreadable: the last seven days.

        A reversed range is put the right way round; a range longer than a
        year is cut to its last year (the page reads every event in it).
        """
        default = cls.ending(today)
        start = _day(query.get("from", "")) or default.start
        end = _day(query.get("to", "")) or (max(today, start) if query.get("from") else today)
        start, end = min(start, end), max(start, end)
        if (end - start).days >= MAX_DAYS:
            start = end - timedelta(days=MAX_DAYS - 1)
        return cls(start, end)

    def as_query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def days(self) -> Iterator[date]:
        for offset in range((self.end - self.start).days + 1):
            yield self.start + timedelta(days=offset)

    def bounds(self) -> tuple[datetime, datetime]:
        """[first moment, moment after the last day) as aware UTC times."""
        first = datetime.combine(self.start, time(), FINNISH_TIME)
        after = datetime.combine(self.end + timedelta(days=1), time(), FINNISH_TIME)
        return first.astimezone(timezone.utc), after.astimezone(timezone.utc)

    def timestamps(self) -> tuple[float, float]:
        """bounds() as unix seconds, the tracker store's time format."""
        first, after = self.bounds()
        return first.timestamp(), after.timestamp()

    def contains(self, moment: datetime) -> bool:
        """Whether an aware time, or a naive UTC time as stored, falls in the period."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        first, after = self.bounds()
        return first <= aware < after


def local_day(moment: datetime) -> date:
    """The Finnish calendar day of an aware time, or of a naive UTC time as stored."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(FINNISH_TIME).date()


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None

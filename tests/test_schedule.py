"""Working days, opening hours and promised call times (bot/schedule.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.callbacks.wording import expected_time_text
from bot.clock import FINLAND
from bot.schedule import (
    callback_target_for,
    expected_callback_time,
    format_slot_time,
    horizon_end,
    is_working_day,
    opening_intervals,
    target_for,
)

OFFICE = [{"days": [0, 1, 2, 3, 4], "open": "08:00", "close": "16:00"}]
CLINIC = [{"days": [0, 1, 2, 3, 4], "open": "08:00", "close": "15:30"}]


def helsinki(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=FINLAND)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-11-27", True),  # an ordinary Friday
        ("2026-11-28", False),  # Saturday
        ("2026-12-24", False),  # Christmas Eve (Thursday): a holiday in the FI calendar
        ("2026-12-25", False),
        ("2026-12-28", True),
        ("2026-12-31", True),  # New Year's Eve is not a public holiday
        ("2026-06-19", False),  # Midsummer Eve (Friday)
        ("2026-04-06", False),  # Easter Monday
        ("2027-12-06", False),  # Independence Day on a Monday
        ("2026-05-14", False),  # Ascension Day (Thursday)
    ],
)
def test_working_days_follow_the_finnish_calendar(day: str, working: bool) -> None:
    assert is_working_day(date.fromisoformat(day)) is working


def test_opening_hours_of_a_day() -> None:
    split = [
        {"days": [2], "open": "12:00", "close": "16:00"},
        {"days": [2], "open": "08:00", "close": "11:00"},
    ]
    wednesday = date(2026, 11, 25)
    assert opening_intervals(split, [], wednesday) == [
        (time(8), time(11)),
        (time(12), time(16)),
    ]
    assert opening_intervals(OFFICE, [], date(2026, 11, 28)) == []  # Saturday
    assert opening_intervals(OFFICE, [], date(2026, 12, 24)) == []  # holiday
    assert opening_intervals([], [], date(2026, 12, 24), always_open=True) == [(time.min, time.max)]


def test_exceptions_win_over_weekly_hours_and_holidays() -> None:
    exceptions = [
        {"date": "2026-11-30", "closed": True},
        {"date": "2026-12-31", "open": "08:00", "close": "12:00"},
        {"date": "2026-12-26", "open": "10:00", "close": "14:00"},
    ]
    assert opening_intervals(OFFICE, exceptions, date(2026, 11, 30)) == []
    assert opening_intervals(OFFICE, exceptions, date(2026, 12, 31)) == [(time(8), time(12))]
    assert opening_intervals(OFFICE, exceptions, date(2026, 12, 26)) == [(time(10), time(14))]


def test_malformed_hours_are_ignored_not_fatal() -> None:
    hours = [
        {"days": [0], "open": "8", "close": "16:00"},
        {"days": [0], "open": "17:00", "close": "09:00"},
        {"days": None, "open": "08:00", "close": "16:00"},
        "08-16",
        {"days": [0], "open": "08:00", "close": "16:00"},
    ]
    exceptions = [{"date": 20261130}, None, {"date": "2026-11-30", "open": "x", "close": "y"}]
    assert opening_intervals(hours, exceptions[:2], date(2026, 11, 30)) == [(time(8), time(16))]
    # An exception for the date with no usable hours: closed that day.
    assert opening_intervals(hours, exceptions, date(2026, 11, 30)) == []


def promise(moment: str, urgent: bool = True, hours=OFFICE, exceptions=(), days=0, **kw):
    return expected_callback_time(helsinki(moment), urgent, hours, list(exceptions), days, **kw)


def test_urgent_on_friday_evening_is_called_on_monday() -> None:
    called = promise("2026-11-27T19:00")
    assert called.kind == "next_working_day"
    assert called.earliest == helsinki("2026-11-30T08:00")
    assert called.latest == helsinki("2026-11-30T16:00")


def test_urgent_on_christmas_eve_is_called_after_the_holidays() -> None:
    called = promise("2026-12-24T10:00")
    assert called.kind == "next_working_day"
    assert called.earliest.date() == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("moment", "kind", "day"),
    [
        ("2026-11-24T06:30", "today", "2026-11-24"),  # before opening: still today
        ("2026-11-24T13:59", "today", "2026-11-24"),  # default cut-off: 16:00 - 2 h
        ("2026-11-24T14:00", "next_working_day", "2026-11-25"),
        ("2026-11-24T15:30", "next_working_day", "2026-11-25"),
    ],
)
def test_urgent_cut_off_two_hours_before_closing(moment: str, kind: str, day: str) -> None:
    called = promise(moment)
    assert called.kind == kind
    assert called.latest.date() == date.fromisoformat(day)
    if kind == "today":
        assert called.earliest == max(helsinki(moment), helsinki(f"{day}T08:00"))
        assert called.latest == helsinki(f"{day}T16:00")


def test_the_cut_off_follows_the_units_closing_time_or_its_own_setting() -> None:
    assert promise("2026-11-24T13:15", hours=CLINIC).kind == "today"
    assert promise("2026-11-24T13:30", hours=CLINIC).kind == "next_working_day"
    assert promise("2026-11-24T11:59", cutoff=time(12)).kind == "today"
    assert promise("2026-11-24T12:00", cutoff=time(12)).kind == "next_working_day"


def test_a_holiday_monday_moves_the_call_to_tuesday() -> None:
    # Independence Day 2027 is a Monday.
    called = promise("2027-12-03T19:00")
    assert called.earliest == helsinki("2027-12-07T08:00")
    # Easter 2026: Good Friday and Easter Monday around the weekend.
    assert promise("2026-04-02T15:00").earliest.date() == date(2026, 4, 7)


def test_non_urgent_is_promised_within_working_days() -> None:
    # Thursday: Friday, Monday, Tuesday.
    called = promise("2026-12-17T10:00", urgent=False, days=3)
    assert called.kind == "by_date"
    assert called.earliest == helsinki("2026-12-17T10:00")
    assert called.latest == helsinki("2026-12-22T16:00")
    # Over Christmas: Monday 28th, Tuesday 29th, Wednesday 30th.
    assert promise("2026-12-23T10:00", urgent=False, days=3).latest == helsinki("2026-12-30T16:00")
    # Made after closing: the earliest call is the next morning.
    late = promise("2026-11-27T17:00", urgent=False, days=1)
    assert (late.earliest, late.latest) == (
        helsinki("2026-11-30T08:00"),
        helsinki("2026-11-30T16:00"),
    )


def test_the_units_own_days_count_not_only_the_calendar() -> None:
    saturday_clinic = OFFICE + [{"days": [5], "open": "09:00", "close": "13:00"}]
    called = promise("2026-11-27T19:00", hours=saturday_clinic)
    assert called.earliest == helsinki("2026-11-28T09:00")
    closed_monday = [{"date": "2026-11-30", "closed": True}]
    assert promise("2026-11-27T19:00", exceptions=closed_monday).earliest.date() == date(
        2026, 12, 1
    )


def test_a_unit_without_hours_uses_office_hours() -> None:
    assert promise("2026-11-27T19:00", hours=[]).latest == helsinki("2026-11-30T16:00")
    never_open = [{"days": [0], "open": "08:00", "close": "16:00"}]
    closed = [{"date": (date(2026, 11, 30) + timedelta(weeks=w)).isoformat(), "closed": True}
              for w in range(10)]  # fmt: skip
    assert promise("2026-11-27T19:00", hours=never_open, exceptions=closed).earliest == (
        helsinki("2026-11-30T08:00")
    )


def test_times_stay_right_across_the_change_to_winter_time() -> None:
    # Summer time ends on Sunday 25.10.2026: Monday 8:00 is 6:00 UTC, Friday 19:00 was 16:00.
    called = promise("2026-10-23T19:00")
    assert called.earliest.astimezone(timezone.utc) == datetime(
        2026, 10, 26, 6, tzinfo=timezone.utc
    )
    assert helsinki("2026-10-23T19:00").astimezone(timezone.utc).hour == 16


def test_an_always_open_unit_calls_the_same_night() -> None:
    called = promise("2026-12-24T21:00", hours=[], always_open=True)
    assert called.kind == "today"
    assert called.latest == helsinki("2026-12-25T00:00")
    assert promise("2026-12-24T22:30", hours=[], always_open=True).earliest == helsinki(
        "2026-12-25T00:00"
    )


def test_targets_per_need() -> None:
    assert target_for("urgent_care") == 0
    assert target_for("health_nonurgent") == 5
    assert target_for("oral_health") == 20
    assert target_for("housing") == target_for(None) == 5
    assert callback_target_for("oral_health") == 3
    assert callback_target_for("urgent_care") == 0


def test_search_horizon_counts_working_days() -> None:
    after = helsinki("2026-12-23T10:00")
    assert horizon_end(after, 0) == helsinki("2026-12-24T00:00")
    # 23rd, then 28th and 29th: the horizon ends at midnight after the 29th.
    assert horizon_end(after, 2) == helsinki("2026-12-30T00:00")


@pytest.mark.parametrize(
    ("moment", "days", "language", "expected"),
    [
        ("2026-11-24T10:00", 0, "fi", "tänään klo 16 mennessä"),
        ("2026-11-24T10:00", 0, "sv", "i dag före kl. 16"),
        ("2026-12-24T10:00", 0, "fi", "maanantaina 28.12. klo 8–16 välillä"),
        ("2026-12-24T10:00", 0, "sv", "måndagen den 28.12. mellan kl. 8 och 16"),
        ("2026-12-17T10:00", 3, "fi", "viimeistään tiistaina 22.12."),
        ("2026-12-17T10:00", 3, "sv", "senast tisdagen den 22.12."),
    ],
)
def test_promised_time_in_words(moment: str, days: int, language: str, expected: str) -> None:
    called = promise(moment, urgent=days == 0, days=days)
    assert expected_time_text(called, language, now=helsinki(moment)) == expected


def test_promise_in_words_with_half_hours_and_on_a_later_day() -> None:
    called = promise("2026-11-27T19:00", hours=CLINIC)
    assert expected_time_text(called, "fi") == "maanantaina 30.11. klo 8–15.30 välillä"
    today = promise("2026-11-24T10:00")
    next_day = helsinki("2026-11-25T09:00")
    assert expected_time_text(today, "fi", now=next_day) == "tiistaina 24.11. klo 16 mennessä"
    assert expected_time_text(today, "sv", now=next_day) == "tisdagen den 24.11. före kl. 16"


def test_slot_times_for_residents() -> None:
    start = helsinki("2026-11-30T09:20")
    assert format_slot_time(start, "fi") == "maanantai 30.11. klo 9.20"
    assert format_slot_time(start, "sv") == "måndag 30.11. kl. 9.20"
    assert format_slot_time(start.astimezone(timezone.utc), "fi") == "maanantai 30.11. klo 9.20"


@pytest.mark.parametrize(
    ("moment", "preferred", "expected"),
    [
        # Tuesday 10:00, three working days: the wish is within the promise.
        ("2026-11-24T10:00", "tomorrow_morning", "keskiviikkona 25.11. klo 8–12 välillä"),
        ("2026-11-24T10:00", "tomorrow_afternoon", "keskiviikkona 25.11. klo 12–16 välillä"),
        ("2026-11-24T10:00", "today", "tänään klo 16 mennessä"),
        ("2026-11-24T10:00", "any", "viimeistään perjantaina 27.11."),
        ("2026-11-24T10:00", "asap", "viimeistään perjantaina 27.11."),
        # Friday evening: "tomorrow morning" is the next open day, Monday.
        ("2026-11-27T19:00", "tomorrow_morning", "maanantaina 30.11. klo 8–12 välillä"),
        # Too late for today: the promise the wish cannot change.
        ("2026-11-24T15:00", "today", "viimeistään perjantaina 27.11."),
    ],
)
def test_the_preferred_time_shapes_the_promise(moment: str, preferred: str, expected: str) -> None:
    called = promise(moment, urgent=False, days=3, preferred=preferred)
    assert expected_time_text(called, "fi", now=helsinki(moment)) == expected


def test_urgency_comes_before_a_preferred_time() -> None:
    called = promise("2026-11-24T10:00", urgent=True, preferred="tomorrow_afternoon")
    assert called.kind == "today" and called.latest == helsinki("2026-11-24T16:00")


def test_a_wish_outside_the_units_hours_is_not_promised() -> None:
    mornings_only = [{"days": [0, 1, 2, 3, 4], "open": "08:00", "close": "12:00"}]
    called = promise(
        "2026-11-24T10:00",
        urgent=False,
        hours=mornings_only,
        days=3,
        preferred="tomorrow_afternoon",
    )
    assert called.kind == "by_date"

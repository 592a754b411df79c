"""Demo times, free-time search, booking, moving and cancelling, on a real SQLite file.

The clock is fixed (bot/clock.py reads NEUVO_CLOCK_FILE) at Monday 23.11.2026
7.00, and the demo calendar starts that day and runs five weeks, over
Christmas.
"""

from __future__ import annotations

import multiprocessing
import re
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex

from bot.appointments.demo import LUNCH, PREBOOKED_CONVERSATION, generate_demo_slots
from bot.appointments.models import Booking, Slot
from bot.appointments.store import SqlSlotStore
from bot.catalogue.models import Channel
from bot.clock import FINLAND
from bot.db import make_engine, session_scope
from bot.schedule import is_working_day, opening_intervals
from bot.storedtime import from_stored, to_stored
from tests.catalogue_db import build_template, copy_of

START = date(2026, 11, 23)
WEEKS = 5
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=FINLAND)
REFERENCE = re.compile(r"^[A-Z2-9]{3}-[A-Z2-9]{3}$")
LOHJA_ORAL_HEALTH = "demo-oral-health-444"
FINNISH_ONLY = {"018", "224", "616", "927"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("appointments"), START, WEEKS)


@pytest.fixture(autouse=True)
def fixed_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text(NOW.isoformat(), encoding="utf-8")
    monkeypatch.setenv("NEUVO_CLOCK_FILE", str(clock_file))


@pytest.fixture
def engine(template: Path, tmp_path: Path):
    engine = copy_of(template, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine) -> SqlSlotStore:
    return SqlSlotStore(engine)


@dataclass(frozen=True)
class SlotRow:
    id: int
    service_id: str
    starts_at: datetime  # aware
    ends_at: datetime
    languages: tuple[str, ...]
    taken: bool
    channel: Channel


def all_slots(engine, **where) -> list[SlotRow]:
    """Every slot (optionally of one service) with its channel and whether it is booked."""
    with session_scope(engine) as session:
        taken = set(
            session.execute(select(Booking.slot_id).where(Booking.state == "active")).scalars()
        )
        channels = {c.id: c for c in session.execute(select(Channel)).scalars()}
        query = select(
            Slot.id, Slot.service_id, Slot.channel_id, Slot.starts_at, Slot.ends_at, Slot.languages
        ).filter_by(**where)
        return [
            SlotRow(
                id,
                service,
                from_stored(starts),
                from_stored(ends),
                tuple(languages),
                id in taken,
                channels[channel],
            )
            for id, service, channel, starts, ends, languages in session.execute(query)
        ]


@pytest.fixture(scope="module")
def template_slots(template: Path) -> list[SlotRow]:
    engine = make_engine(f"sqlite:///{template}")
    try:
        return all_slots(engine)
    finally:
        engine.dispose()


def slot_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count(Slot.id))).scalar_one()


def active_bookings(engine, slot_ids) -> list[Booking]:
    with session_scope(engine) as session:
        return list(
            session.execute(
                select(Booking).where(Booking.state == "active", Booking.slot_id.in_(slot_ids))
            ).scalars()
        )


# --- the demo calendar --------------------------------------------------------------------


def test_demo_times_are_in_opening_hours_on_working_days(template_slots) -> None:
    assert len(template_slots) > 10_000
    lengths = defaultdict(set)
    lunch_start, lunch_end = LUNCH
    for slot in template_slots:
        day, channel = slot.starts_at.date(), slot.channel
        assert channel.takes_appointments and channel.demo
        assert START <= day < START + timedelta(weeks=WEEKS)
        assert is_working_day(day), day
        assert any(
            opens <= slot.starts_at.time() and slot.ends_at.time() <= closes
            for opens, closes in opening_intervals(channel.hours, channel.hours_exceptions, day)
        )
        assert slot.ends_at.time() <= lunch_start or slot.starts_at.time() >= lunch_end
        lengths[channel.id].add(slot.ends_at - slot.starts_at)
    days = {slot.starts_at.date() for slot in template_slots}
    assert date(2026, 12, 24) not in days and date(2026, 12, 25) not in days
    assert date(2026, 12, 23) in days and date(2026, 12, 28) not in days
    assert all(len(found) == 1 for found in lengths.values())
    assert {next(iter(found)) for found in lengths.values()} == {
        timedelta(minutes=20),
        timedelta(minutes=30),
    }


def test_some_times_are_taken_more_of_them_soon(template_slots) -> None:
    first_week = [s.taken for s in template_slots if s.starts_at < NOW + timedelta(days=7)]
    last_week = [s.taken for s in template_slots if s.starts_at >= NOW + timedelta(days=28)]
    assert 0.45 < sum(first_week) / len(first_week) < 0.75
    assert 0.05 < sum(last_week) / len(last_week) < 0.3
    # The earliest free time of a day is often not the first time of the day.
    by_day = defaultdict(list)
    for slot in template_slots:
        by_day[slot.channel.id, slot.starts_at.date()].append((slot.starts_at, slot.taken))
    late_starts = sum(
        1 for times in by_day.values() if sorted(times)[0][1] and not all(t for _, t in times)
    )
    assert late_starts > len(by_day) / 5


def test_swedish_speaking_staff_only_where_swedish_is_spoken(template_slots) -> None:
    swedish_days = defaultdict(set)
    all_days = defaultdict(set)
    for slot in template_slots:
        place = slot.channel.municipality_code or "county"
        all_days[place].add(slot.starts_at.date())
        if "sv" in slot.languages:
            swedish_days[place].add(slot.starts_at.date())
        assert "fi" in slot.languages
    for code in FINNISH_ONLY:
        assert all_days[code] and not swedish_days[code]
    assert len(swedish_days["710"]) > len(all_days["710"]) / 2  # Raseborg: Swedish majority
    assert 0 < len(swedish_days["444"]) < len(all_days["444"])  # Lohja: bilingual


def test_generating_again_adds_nothing_and_tops_up_a_later_start(engine) -> None:
    count = slot_count(engine)
    with session_scope(engine) as session:
        assert generate_demo_slots(session, START, WEEKS) == 0
    assert slot_count(engine) == count
    with session_scope(engine) as session:
        added = generate_demo_slots(session, START + timedelta(weeks=1), WEEKS)
        new_week = to_stored(datetime.combine(START + timedelta(weeks=WEEKS), time.min, FINLAND))
        in_new_week = session.execute(
            select(func.count(Slot.id)).where(Slot.starts_at >= new_week)
        ).scalar_one()
    assert added == in_new_week == slot_count(engine) - count > 0


# --- finding free times ---------------------------------------------------------------------


def test_the_earliest_free_times_of_the_units_serving_the_resident(store, engine) -> None:
    offers = store.free_slots("oral_health", "444", "fi", NOW)
    assert len(offers) == 3
    assert [o.starts_at for o in offers] == sorted(o.starts_at for o in offers)
    assert all(o.service_id == LOHJA_ORAL_HEALTH and o.starts_at > NOW for o in offers)
    assert offers[0].unit_name("fi") == "Lohjan suun terveydenhuolto"
    assert offers[0].unit_name("sv") == "Mun- och tandvården i Lojo"
    # The demo catalogue has no street addresses: none is made up.
    assert offers[0].address("fi") == "" and offers[0].demo
    # Independently: the earliest free Finnish-speaking time of that unit.
    free = [
        slot.starts_at
        for slot in all_slots(engine, service_id=LOHJA_ORAL_HEALTH)
        if not slot.taken and "fi" in slot.languages
    ]
    assert offers[0].starts_at == min(t for t in free if t > NOW)
    assert not active_bookings(engine, [o.slot_id for o in offers])
    assert len(store.free_slots("oral_health", "444", "fi", NOW, limit=10)) == 10


def test_swedish_times_first_and_any_time_when_none_speaks_swedish(store) -> None:
    raseborg = store.free_slots("oral_health", "710", "sv", NOW, limit=5)
    assert len(raseborg) == 5 and all("sv" in o.languages for o in raseborg)
    vihti = store.free_slots("oral_health", "927", "sv", NOW)
    assert len(vihti) == 3 and all(o.languages == ("fi",) for o in vihti)


def test_search_window_follows_the_need(store) -> None:
    urgent = store.free_slots("urgent_care", "927", "fi", NOW, limit=100)
    assert urgent and all(o.starts_at.date() == NOW.date() for o in urgent)
    before = NOW + timedelta(days=1)
    assert all(
        o.starts_at < before for o in store.free_slots("oral_health", "444", "fi", NOW, before)
    )


@pytest.mark.parametrize(
    ("need", "municipality"),
    [
        ("housing", "444"),
        ("oral_health", None),
        ("oral_health", "091"),
        (None, "444"),
        ("x", "444"),
    ],
)
def test_no_times_where_there_are_none(store, need, municipality) -> None:
    assert store.free_slots(need, municipality, "fi", NOW) == []


# --- booking -------------------------------------------------------------------------------


def test_booking_a_time(store, engine) -> None:
    offer = store.free_slots("oral_health", "444", "fi", NOW)[0]
    booking = store.book(str(offer.slot_id), "resident-1", "oral_health", "fi")
    assert REFERENCE.match(booking.reference) and booking.active
    assert booking.offer == offer
    assert store.find(booking.reference.lower()).offer.slot_id == offer.slot_id
    assert offer.slot_id not in [
        o.slot_id for o in store.free_slots("oral_health", "444", "fi", NOW)
    ]
    # Taken: someone else gets None; the same resident clicking again gets their booking.
    assert store.book(offer.slot_id, "resident-2", "oral_health", "fi") is None
    assert (
        store.book(offer.slot_id, "resident-1", "oral_health", "fi").reference == booking.reference
    )
    assert len(active_bookings(engine, [offer.slot_id])) == 1


@pytest.mark.parametrize("slot_id", ["abc", "", None, "99999999", "1; DROP TABLE x"])
def test_booking_nonsense_is_refused(store, slot_id) -> None:
    assert store.book(slot_id, "resident-1", "oral_health", "fi") is None


def test_a_past_time_cannot_be_booked(store, engine) -> None:
    with session_scope(engine) as session:
        past = session.execute(
            select(Slot.id).where(Slot.starts_at < to_stored(NOW)).limit(1)
        ).scalar_one_or_none()
        if past is None:  # the calendar starts today: make one time earlier
            slot = session.execute(select(Slot).limit(1)).scalar_one()
            slot.starts_at, slot.ends_at = to_stored(NOW) - timedelta(hours=1), to_stored(NOW)
            past = slot.id
        session.execute(Booking.__table__.delete().where(Booking.slot_id == past))
    assert store.book(past, "resident-1", "oral_health", "fi") is None
    assert not active_bookings(engine, [past])


def test_the_database_itself_refuses_a_second_active_booking(store, engine) -> None:
    offer = store.free_slots("oral_health", "444", "fi", NOW)[0]
    store.book(offer.slot_id, "resident-1", "oral_health", "fi")
    with pytest.raises(IntegrityError):
        with session_scope(engine) as session:
            session.add(Booking(reference="ZZZ-992", slot_id=offer.slot_id, conversation_id="x"))
    # History (cancelled bookings) does not count.
    with session_scope(engine) as session:
        session.add(
            Booking(
                reference="ZZZ-993", slot_id=offer.slot_id, conversation_id="x", state="cancelled"
            )
        )


def test_the_same_rule_is_written_for_postgresql() -> None:
    index = next(i for i in Booking.__table__.indexes if i.name == "uq_booking_active_slot")
    ddl = str(CreateIndex(index).compile(dialect=postgresql.dialect()))
    assert "CREATE UNIQUE INDEX uq_booking_active_slot" in ddl
    assert "WHERE state = 'active'" in ddl


def contested_slots(store, count: int) -> list[int]:
    offers = store.free_slots("oral_health", "444", "fi", NOW, limit=count)
    assert len(offers) == count
    return [o.slot_id for o in offers]


def check_race(engine, targets: list[int], results: list) -> None:
    booked = [r for r in results if r is not None]
    assert len(booked) == len(targets)
    assert sum(r is None for r in results) == len(results) - len(targets)
    assert sorted(r.offer.slot_id for r in booked) == sorted(targets)
    active = active_bookings(engine, targets)
    assert sorted(b.slot_id for b in active) == sorted(targets)
    assert {b.reference for b in active} == {r.reference for r in booked}


def test_fifty_parallel_attempts_on_five_times(store, engine) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    targets = contested_slots(store, 5)
    start = threading.Barrier(50)

    def attempt(n: int):
        start.wait()
        return SqlSlotStore(engine).book(targets[n % 5], f"resident-{n}", "oral_health", "fi")

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(attempt, range(50)))
    check_race(engine, targets, results)


def _book_in_process(url: str, slot_id: int, n: int, barrier, results) -> None:
    engine = make_engine(url)
    barrier.wait()
    booking = SqlSlotStore(engine).book(slot_id, f"process-{n}", "oral_health", "fi")
    results.put((n, booking))
    engine.dispose()


def test_fifty_processes_on_five_times(store, engine) -> None:
    targets = contested_slots(store, 5)
    engine.dispose()  # no open connection is copied into the children
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(50), context.Queue()
    processes = [
        context.Process(
            target=_book_in_process, args=(str(engine.url), targets[n % 5], n, barrier, queue)
        )
        for n in range(50)
    ]
    for process in processes:
        process.start()
    results = [queue.get(timeout=120)[1] for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    check_race(engine, targets, results)


# --- moving and cancelling -------------------------------------------------------------------


def test_moving_books_the_new_time_and_frees_the_old(store, engine) -> None:
    first, second, third = store.free_slots("oral_health", "444", "fi", NOW)
    booking = store.book(first.slot_id, "resident-1", "oral_health", "fi")
    assert store.move(booking.reference, "someone-else", second.slot_id) is None
    moved = store.move(booking.reference, "resident-1", str(second.slot_id))
    assert moved.active and moved.offer.slot_id == second.slot_id
    assert moved.reference != booking.reference
    assert not active_bookings(engine, [first.slot_id])
    assert first.slot_id in [o.slot_id for o in store.free_slots("oral_health", "444", "fi", NOW)]
    # The old reference leads to the booking as it is now.
    assert store.find(booking.reference).reference == moved.reference
    with session_scope(engine) as session:
        old = session.execute(
            select(Booking).where(Booking.reference == booking.reference)
        ).scalar_one()
        assert old.state == "moved" and old.cancelled_at is not None

    # A time taken meanwhile: nothing changes.
    store.book(third.slot_id, "resident-2", "oral_health", "fi")
    assert store.move(moved.reference, "resident-1", third.slot_id) is None
    assert store.find(moved.reference).active
    assert [b.reference for b in active_bookings(engine, [second.slot_id])] == [moved.reference]
    assert store.move(moved.reference, "resident-1", "not-a-slot") is None
    assert store.move("ZZZ-999", "resident-1", first.slot_id) is None


def test_cancelling_frees_the_time(store, engine) -> None:
    offer = store.free_slots("oral_health", "444", "fi", NOW)[0]
    booking = store.book(offer.slot_id, "resident-1", "oral_health", "fi")
    assert store.cancel(booking.reference, "someone-else") is False
    assert store.cancel(booking.reference, "resident-1") is True
    assert store.find(booking.reference).state == "cancelled"
    assert store.cancel(booking.reference, "resident-1") is False
    assert store.free_slots("oral_health", "444", "fi", NOW)[0].slot_id == offer.slot_id
    again = store.book(offer.slot_id, "resident-2", "oral_health", "fi")
    # Staff (no conversation) may cancel with the reference alone.
    assert store.cancel(again.reference, None) is True
    assert store.cancel("nonsense", None) is False


def test_prebooked_demo_times_belong_to_no_resident(engine) -> None:
    with session_scope(engine) as session:
        owners = set(session.execute(select(Booking.conversation_id).distinct()).scalars())
        count = session.execute(select(func.count(Booking.id))).scalar_one()
    assert owners == {PREBOOKED_CONVERSATION} and count > 1000

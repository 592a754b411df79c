"""Callback requests at the service level, on a real SQLite database with the catalogue."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.callbacks.models import CallbackEvent, CallbackRequest
from bot.callbacks.references import ALPHABET, find_reference, new_reference
from bot.callbacks.service import (
    CallbackDraft,
    InvalidTransition,
    callback_queue,
    cancel_callback,
    claim,
    complete,
    find_callback,
    format_phone,
    parse_phone,
    record_no_answer,
    release,
    submit_callback,
)
from bot.catalogue.models import Channel
from bot.clock import FINLAND
from bot.db import make_engine, session_scope
from bot.storedtime import from_stored
from tests.catalogue_db import build_template, copy_of

LOHJA_ORAL_HEALTH = "demo-oral-health-444"  # open 8-15.30 (catalogue demo data)
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=FINLAND)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("callbacks"))


@pytest.fixture
def engine(template: Path, tmp_path: Path):
    engine = copy_of(template, tmp_path)
    yield engine
    engine.dispose()


def draft(**changes) -> CallbackDraft:
    base = CallbackDraft(
        conversation_id="conv-1",
        need="oral_health",
        topic="Paikka lohkesi ja hammasta vihloo.",
        phone="040 123 4567",
        name="Matti",
        call_language="fi",
        preferred_time="asap",
        urgent=True,
        service_id=LOHJA_ORAL_HEALTH,
        channel_id=f"{LOHJA_ORAL_HEALTH}-location",
        consent=True,
    )
    return replace(base, **changes)


def submit(engine, now=TUESDAY_MORNING, **changes) -> tuple[int, str, bool]:
    with session_scope(engine) as session:
        request, created = submit_callback(session, draft(**changes), now)
        return request.id, request.reference, created


# --- phone numbers and references -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("040 123 4567", "+358401234567"),
        ("+358 40 1234567", "+358401234567"),
        ("0401234567", "+358401234567"),
        ("050-123 4567", "+358501234567"),
        ("(09) 123 4567", "+35891234567"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
def test_valid_phone_numbers(text: str, e164: str) -> None:
    assert parse_phone(text) == e164


@pytest.mark.parametrize(
    "text",
    ["123", "040 12", "abc", "040 ABC DEFG", "+44 123", "116117", "0800 123 456", "", "   "],
)
def test_invalid_phone_numbers(text: str) -> None:
    assert parse_phone(text) is None


def test_phone_numbers_are_read_back_the_finnish_way() -> None:
    assert format_phone("+358401234567") == "040 123 4567"
    assert format_phone("+35891234567") == "09 123 4567"
    assert format_phone("+3584412345678") == "044 1234 5678"
    assert format_phone("+46701234567") == "+46 70 123 45 67"
    assert format_phone("not a number") == "not a number"
    assert format_phone("") == ""


def test_references_are_short_unambiguous_and_found_in_text() -> None:
    codes = {new_reference() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 7 and code[3] == "-"
        assert set(code.replace("-", "")) <= set(ALPHABET)
        assert not set(code) & set("01OI")
        assert any(c.isdigit() for c in code)
        assert (
            find_reference(f"haluan perua pyynnön {code.lower().replace('-', '')} kiitos") == code
        )
    assert find_reference("peru K7Q-4MX, kiitos") == "K7Q-4MX"
    # Words and phone numbers are not codes.
    assert find_reference("kyl-lä, soita numeroon 040 123 4567") is None
    assert find_reference("ABC-DEF") is None


# --- submitting ------------------------------------------------------------------------


def test_a_request_is_stored_with_its_promise_and_history(engine) -> None:
    request_id, reference, created = submit(engine)
    assert created
    with session_scope(engine) as session:
        request = session.get(CallbackRequest, request_id)
        assert request.reference == reference and find_callback(session, reference.lower())
        assert request.phone == "+358401234567"
        assert request.topic == "Paikka lohkesi ja hammasta vihloo."
        assert request.state == "new" and request.attempts == 0
        # Urgent, before the clinic's cut-off (15.30 - 2 h): today, by closing time.
        assert request.promise_kind == "today"
        assert from_stored(request.due_at) == datetime(2026, 11, 24, 15, 30, tzinfo=FINLAND)
        assert request.expected_text("fi", now=TUESDAY_MORNING) == "tänään klo 15.30 mennessä"
        assert request.expected_text("sv", now=TUESDAY_MORNING) == "i dag före kl. 15.30"
        assert [(e.actor, e.action) for e in request.events] == [("resident", "submitted")]


def test_the_units_hours_decide_the_promise(engine) -> None:
    with session_scope(engine) as session:
        channel = session.get(Channel, f"{LOHJA_ORAL_HEALTH}-location")
        channel.hours_exceptions = [{"date": "2026-11-25", "closed": True}]
    friday_evening = datetime(2026, 11, 27, 19, 0, tzinfo=FINLAND)
    request_id, _, _ = submit(engine, now=TUESDAY_MORNING.replace(hour=15), topic="a")
    late_id, _, _ = submit(engine, now=friday_evening, topic="b")
    relaxed_id, _, _ = submit(engine, urgent=False, topic="c")
    no_unit_id, _, _ = submit(engine, now=friday_evening, service_id=None, channel_id=None)
    with session_scope(engine) as session:
        due = {i: from_stored(session.get(CallbackRequest, i).due_at) for i in
               (request_id, late_id, relaxed_id, no_unit_id)}  # fmt: skip
    # After the cut-off on Tuesday, and the unit is closed on Wednesday.
    assert due[request_id] == datetime(2026, 11, 26, 15, 30, tzinfo=FINLAND)
    assert due[late_id] == datetime(2026, 11, 30, 15, 30, tzinfo=FINLAND)
    # Not urgent: within three of the unit's working days (Wednesday closed).
    assert due[relaxed_id] == datetime(2026, 11, 30, 15, 30, tzinfo=FINLAND)
    # No unit: office hours.
    assert due[no_unit_id] == datetime(2026, 11, 30, 16, 0, tzinfo=FINLAND)


def test_consent_and_a_valid_phone_are_required(engine) -> None:
    with pytest.raises(ValueError):
        submit(engine, consent=False)
    with pytest.raises(ValueError):
        submit(engine, phone="040 12")
    with pytest.raises(ValueError):
        submit(engine, preferred_time="midnight")
    with session_scope(engine) as session:
        assert session.execute(select(func.count(CallbackRequest.id))).scalar_one() == 0


def test_long_texts_are_cut_to_their_columns(engine) -> None:
    request_id, _, _ = submit(engine, topic="ä" * 800, name="  Maija   Meikäläinen ")
    with session_scope(engine) as session:
        request = session.get(CallbackRequest, request_id)
        assert request.topic == "ä" * 500
        assert request.name == "Maija Meikäläinen"


def test_the_same_request_twice_is_stored_once(engine) -> None:
    first = submit(engine)
    again = submit(engine, topic="  paikka LOHKESI ja hammasta   vihloo. ", phone="+358401234567")
    assert again[:2] == first[:2] and again[2] is False
    other = submit(engine, preferred_time="tomorrow_morning")
    assert other[0] != first[0] and other[2] is True
    someone_else = submit(engine, conversation_id="conv-2")
    assert someone_else[0] not in (first[0], other[0])


def test_twenty_parallel_identical_requests_make_one_row(engine) -> None:
    start = threading.Barrier(20)

    def send(_: int) -> tuple[int, str, bool]:
        start.wait()
        return submit(engine)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(20)))
    assert len({r[0] for r in results}) == 1
    assert sum(created for _, _, created in results) == 1
    with session_scope(engine) as session:
        assert session.execute(select(func.count(CallbackRequest.id))).scalar_one() == 1
        assert session.execute(select(func.count(CallbackEvent.id))).scalar_one() == 1


def open_requests(engine) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        return [(q.id, q.state) for q in callback_queue(session, TUESDAY_MORNING)]


def test_a_cancelled_or_done_request_does_not_stand_in_for_a_new_one(engine) -> None:
    first_id, first_ref, _ = submit(engine)
    with session_scope(engine) as session:
        cancel_callback(session, first_ref, "conv-1", TUESDAY_MORNING)
    # The same request again, after cancelling: a new one, or nobody calls.
    second_id, second_ref, created = submit(engine)
    assert created and (second_id, second_ref) != (first_id, first_ref)
    assert open_requests(engine) == [(second_id, "new")]
    # ...which in turn stands for a repeated submit while it is open.
    assert submit(engine) == (second_id, second_ref, False)
    with session_scope(engine) as session:
        complete(session, second_id, "anna", "soitettu", TUESDAY_MORNING)
    third_id, third_ref, created = submit(engine)
    assert created and third_id not in (first_id, second_id)
    assert third_ref not in (first_ref, second_ref)
    assert open_requests(engine) == [(third_id, "new")]
    with session_scope(engine) as session:
        states = dict(session.execute(select(CallbackRequest.id, CallbackRequest.state)).all())
        assert states == {first_id: "cancelled", second_id: "done", third_id: "new"}
        third = session.get(CallbackRequest, third_id)
        assert [e.action for e in third.events] == ["submitted"]


@pytest.mark.parametrize("state", ["claimed", "no_answer"])
def test_a_request_being_handled_still_stands_for_the_same_request(engine, state) -> None:
    request_id, reference, _ = submit(engine)
    with session_scope(engine) as session:
        claim(session, request_id, "anna", TUESDAY_MORNING)
        if state == "no_answer":
            record_no_answer(session, request_id, "anna", "", None, TUESDAY_MORNING)
    assert submit(engine) == (request_id, reference, False)
    assert open_requests(engine) == [(request_id, state)]


def test_twenty_parallel_resubmits_after_a_cancel_make_one_new_row(engine) -> None:
    _, old_reference, _ = submit(engine)
    with session_scope(engine) as session:
        cancel_callback(session, old_reference, "conv-1", TUESDAY_MORNING)
    start = threading.Barrier(20)

    def send(_: int) -> tuple[int, str, bool]:
        start.wait()
        return submit(engine)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(20)))
    assert len({r[0] for r in results}) == 1 and results[0][1] != old_reference
    assert sum(created for _, _, created in results) == 1
    assert open_requests(engine) == [(results[0][0], "new")]


def _submit_in_process(url: str, barrier, results) -> None:
    engine = make_engine(url)
    barrier.wait()
    results.put(submit(engine))
    engine.dispose()


def test_twenty_processes_sending_the_same_request_make_one_row(engine) -> None:
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(20), context.Queue()
    processes = [
        context.Process(target=_submit_in_process, args=(str(engine.url), barrier, results))
        for _ in range(20)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert len({o[0] for o in outcomes}) == 1
    assert sum(created for _, _, created in outcomes) == 1
    with session_scope(engine) as session:
        assert session.execute(select(func.count(CallbackRequest.id))).scalar_one() == 1


# --- cancelling ------------------------------------------------------------------------


def test_a_resident_cancels_only_their_own_open_request(engine) -> None:
    _, reference, _ = submit(engine)
    with session_scope(engine) as session:
        assert cancel_callback(session, reference, "someone-else", TUESDAY_MORNING) is None
        cancelled = cancel_callback(session, reference.lower(), "conv-1", TUESDAY_MORNING)
        assert cancelled.state == "cancelled" and cancelled.closed_at is not None
        assert cancel_callback(session, reference, "conv-1", TUESDAY_MORNING) is None
        assert [e.action for e in cancelled.events] == ["submitted", "cancelled"]
        assert cancel_callback(session, "ZZZ-999", None, TUESDAY_MORNING) is None


def test_staff_can_cancel_but_not_a_handled_request(engine) -> None:
    open_id, open_ref, _ = submit(engine)
    done_id, done_ref, _ = submit(engine, topic="toinen asia")
    with session_scope(engine) as session:
        complete(session, done_id, "7", "hoidettu", TUESDAY_MORNING)
        assert cancel_callback(session, done_ref, None, TUESDAY_MORNING, actor="7") is None
        cancelled = cancel_callback(session, open_ref, None, TUESDAY_MORNING, actor="7")
        assert cancelled.events[-1].actor == "7"


# --- the staff side -------------------------------------------------------------------


def test_handling_a_request_step_by_step(engine) -> None:
    request_id, _, _ = submit(engine)
    later = TUESDAY_MORNING.replace(hour=11)
    with session_scope(engine) as session:
        assert claim(session, request_id, "anna", later).claimed_by == "anna"
        with pytest.raises(InvalidTransition, match="claimed by anna"):
            claim(session, request_id, "ben", later)
        with pytest.raises(InvalidTransition):
            complete(session, request_id, "ben", "", later)
        with pytest.raises(InvalidTransition):
            release(session, request_id, "ben", "", later)
        retry = TUESDAY_MORNING.replace(hour=13)
        request = record_no_answer(session, request_id, "anna", "ei vastannut", retry, later)
        assert (request.state, request.attempts, request.claimed_by) == ("no_answer", 1, None)
        assert from_stored(request.next_try_at) == retry
        assert claim(session, request_id, "ben", later).state == "claimed"
        assert release(session, request_id, "ben", "", later).state == "no_answer"
        done = complete(session, request_id, "ben", "soitettu, aika varattu", later)
        assert done.state == "done" and done.closed_at is not None
        with pytest.raises(InvalidTransition):
            claim(session, request_id, "anna", later)
        with pytest.raises(InvalidTransition):
            claim(session, 123456, "anna", later)
        history = [(e.actor, e.action, e.note) for e in done.events]
    assert history == [
        ("resident", "submitted", ""),
        ("anna", "claimed", ""),
        ("anna", "no_answer", "ei vastannut"),
        ("ben", "claimed", ""),
        ("ben", "released", ""),
        ("ben", "completed", "soitettu, aika varattu"),
    ]


def test_a_released_fresh_request_is_new_again(engine) -> None:
    request_id, _, _ = submit(engine)
    with session_scope(engine) as session:
        claim(session, request_id, 5, TUESDAY_MORNING)
        assert release(session, request_id, 5, "", TUESDAY_MORNING).state == "new"


def test_ten_handlers_claiming_at_once_one_wins(engine) -> None:
    request_id, _, _ = submit(engine)
    start = threading.Barrier(10)

    def try_claim(user: int) -> bool:
        start.wait()
        try:
            with session_scope(engine) as session:
                claim(session, request_id, f"user-{user}", TUESDAY_MORNING)
            return True
        except InvalidTransition:
            return False

    with ThreadPoolExecutor(max_workers=10) as pool:
        wins = list(pool.map(try_claim, range(10)))
    assert sum(wins) == 1
    with session_scope(engine) as session:
        request = session.get(CallbackRequest, request_id)
        assert request.claimed_by == f"user-{wins.index(True)}"
        assert [e.action for e in request.events] == ["submitted", "claimed"]


def test_the_queue_is_ordered_and_filtered(engine) -> None:
    friday_evening = datetime(2026, 11, 20, 19, 0, tzinfo=FINLAND)
    after_cut_off = TUESDAY_MORNING.replace(hour=15)
    # Both due Wednesday at the clinic's closing: the urgent one comes first.
    relaxed = submit(engine, now=friday_evening, urgent=False, topic="a", call_language="sv")[0]
    urgent = submit(engine, now=after_cut_off, topic="b")[0]
    today = submit(engine, topic="c")[0]  # Tuesday 15.30
    office = submit(engine, topic="d", service_id=None, channel_id=None)[0]  # Tuesday 16
    later = submit(engine, urgent=False, topic="e")[0]  # Friday 15.30
    handled = submit(engine, topic="f")[0]
    with session_scope(engine) as session:
        complete(session, handled, "anna", "", TUESDAY_MORNING)
        queue = callback_queue(session, TUESDAY_MORNING)
        assert [q.id for q in queue] == [today, office, urgent, relaxed, later]
        assert queue[2].due_at == queue[3].due_at
        assert not any(q.overdue for q in queue)
        wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=FINLAND)
        assert {q.id for q in callback_queue(session, wednesday) if q.overdue} == {today, office}
        thursday = datetime(2026, 11, 26, 9, 0, tzinfo=FINLAND)
        overdue = {q.id for q in callback_queue(session, thursday) if q.overdue}
        assert overdue == {today, office, urgent, relaxed}
        unit = f"{LOHJA_ORAL_HEALTH}-location"
        assert [q.id for q in callback_queue(session, TUESDAY_MORNING, unit=unit)] == [
            today,
            urgent,
            relaxed,
            later,
        ]
        assert len(callback_queue(session, TUESDAY_MORNING, unit=LOHJA_ORAL_HEALTH)) == 4
        assert [q.id for q in callback_queue(session, TUESDAY_MORNING, urgency=False)] == [
            relaxed,
            later,
        ]
        assert [q.id for q in callback_queue(session, TUESDAY_MORNING, language="sv")] == [relaxed]
        assert [q.id for q in callback_queue(session, TUESDAY_MORNING, states=("done",))] == [
            handled
        ]
        # After no answer, the agreed next try decides the place in the queue.
        next_try = datetime(2026, 11, 26, 9, tzinfo=FINLAND)
        record_no_answer(session, urgent, "anna", "", next_try, TUESDAY_MORNING)
        queue = callback_queue(session, TUESDAY_MORNING)
        assert [q.id for q in queue] == [today, office, relaxed, urgent, later]
        assert queue[3].due_at == next_try and queue[3].attempts == 1

"""The callback desk of the staff portal over real HTTP: the JSON API, the queue and
request pages and the appointment calendar, against a real SQLite database with
the demo catalogue. Requests are made with bot.callbacks.service.submit_callback,
as the chat does; the portal's clock is fixed to a Tuesday noon.

Expected orders and sets are computed here from the stored rows, not by the
code under test.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.appointments.models import ACTIVE, Booking, Slot
from bot.appointments.store import SqlSlotStore
from bot.callback_desk.inputs import MAX_NOTE_CHARS
from bot.callbacks.models import OPEN_STATES, CallbackEvent, CallbackRequest
from bot.callbacks.service import CallbackDraft, submit_callback
from bot.clock import FINLAND
from bot.db import make_engine, session_scope
from bot.settings import Settings
from bot.staff.accounts import create_user
from bot.staff.models import AuditEntry, StaffUser
from bot.staff.policy import StaffPolicy
from bot.staff.texts import TEXTS
from bot.storedtime import from_stored, to_stored
from bot.topics import label
from tests.catalogue_db import build_template
from tests.test_staff_auth import PASSWORDS, Browser, Clock, Portal, start_portal

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=FINLAND)  # Tuesday noon
SECOND_HANDLER, SECOND_PASSWORD = "heikki.handler", "toinen-kasittelija-123"
# (service, its callback channel); the oral health unit is open 8-15.30 on weekdays.
LOHJA_ORAL = ("demo-oral-health-444", "demo-oral-health-444-location")
LOHJA_HEALTH = ("demo-health-station-444", "demo-health-station-444-location")
RASEBORG_HEALTH = ("demo-health-station-710", "demo-health-station-710-location")
FI, SV = TEXTS["fi"], TEXTS["sv"]


@dataclass(frozen=True)
class Spec:
    created: datetime
    urgent: bool
    need: str
    unit: tuple[str, str]
    language: str


SPECS = {
    # Urgent on Monday morning: promised by Monday 15.30, so overdue on Tuesday noon.
    "overdue": Spec(datetime(2026, 11, 23, 10, 0, tzinfo=FINLAND), True, "oral_health",
                    LOHJA_ORAL, "fi"),
    "urgent_today": Spec(datetime(2026, 11, 24, 11, 0, tzinfo=FINLAND), True, "oral_health",
                         LOHJA_ORAL, "sv"),
    "memory": Spec(datetime(2026, 11, 23, 15, 0, tzinfo=FINLAND), False, "memory_concern",
                   LOHJA_HEALTH, "fi"),
    "health_fi": Spec(datetime(2026, 11, 24, 9, 0, tzinfo=FINLAND), False, "health_nonurgent",
                      LOHJA_HEALTH, "fi"),
    "health_sv": Spec(datetime(2026, 11, 24, 9, 30, tzinfo=FINLAND), False, "health_nonurgent",
                      RASEBORG_HEALTH, "sv"),
}  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Catalogue, a week of demo appointment times and the staff accounts, made once."""
    path = build_template(tmp_path_factory.mktemp("desk"), slots_from=MONDAY, weeks=1)
    engine = make_engine(f"sqlite:///{path}")
    with session_scope(engine) as db:
        for username, password in PASSWORDS.items():
            create_user(db, username, password, username.split(".")[1], "fi")
        create_user(db, SECOND_HANDLER, SECOND_PASSWORD, "handler", "fi")
    engine.dispose()
    return path


def draft(key: str, spec: Spec, **changes) -> CallbackDraft:
    service_id, channel_id = spec.unit
    values = {
        "conversation_id": f"conversation-{key}",
        "need": spec.need,
        "topic": f"Asia {key}",
        "phone": "040 123 4567",
        "name": f"Asukas {key}",
        "call_language": spec.language,
        "preferred_time": "asap",
        "urgent": spec.urgent,
        "service_id": service_id,
        "channel_id": channel_id,
        "consent": True,
        **changes,
    }
    return CallbackDraft(**values)


@dataclass
class Desk:
    portal: Portal
    ids: dict[str, int]
    clients: list[Browser]

    async def client(self, username: str, password: str | None = None) -> Browser:
        browser = self.portal.browser()
        self.clients.append(browser)
        status, _, _ = await browser.log_in(username, password)
        assert status == 303
        return browser

    def submit(self, key: str, spec: Spec, **changes) -> int:
        with session_scope(self.portal.engine) as db:
            request, _ = submit_callback(db, draft(key, spec, **changes), spec.created)
            return request.id

    def row(self, key_or_id: str | int) -> CallbackRequest:
        callback_id = self.ids[key_or_id] if isinstance(key_or_id, str) else key_or_id
        with session_scope(self.portal.engine) as db:
            return db.get(
                CallbackRequest, callback_id, options=[selectinload(CallbackRequest.events)]
            )

    def audit(self, **conditions) -> list[AuditEntry]:
        with session_scope(self.portal.engine) as db:
            query = select(AuditEntry).order_by(AuditEntry.id)
            for name, value in conditions.items():
                query = query.where(getattr(AuditEntry, name) == value)
            return list(db.execute(query).scalars())

    def user_id(self, username: str) -> int:
        with session_scope(self.portal.engine) as db:
            return db.execute(
                select(StaffUser.id).where(StaffUser.username == username)
            ).scalar_one()


@pytest.fixture
async def desk(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copy(template, tmp_path / "desk.db")
    monkeypatch.setenv("NEUVO_DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
    # The slot store asks bot.clock whether a time is past: the same Tuesday noon.
    clock_file = tmp_path / "now.txt"
    clock_file.write_text(NOW.isoformat(), encoding="utf-8")
    monkeypatch.setenv("NEUVO_CLOCK_FILE", str(clock_file))
    clock = Clock()
    clock.now = to_stored(NOW)
    portal = await start_portal(
        Settings(var_dir=tmp_path), StaffPolicy(secure_cookies=False, clock=clock)
    )
    running = Desk(portal, {}, [])
    running.ids = {key: running.submit(key, spec) for key, spec in SPECS.items()}
    yield running
    for client in running.clients:
        await client.close()
    await portal.server.close()


async def api(client: Browser, method: str, path: str, body=None, **kwargs):
    """(status, parsed JSON); POSTs carry the CSRF header unless headers are given."""
    if method == "POST":
        kwargs.setdefault("headers", {"X-CSRF-Token": client.csrf})
    if body is not None:
        kwargs["json"] = body
    status, _, text = await client.request(method, path, **kwargs)
    return status, json.loads(text)


def expected_queue(desk: Desk, states=OPEN_STATES) -> list[tuple[int, bool]]:
    """(id, overdue) in the order the queue must have: due soonest, urgent first on ties."""
    now = to_stored(NOW)
    with session_scope(desk.portal.engine) as db:
        rows = db.execute(select(CallbackRequest).where(CallbackRequest.state.in_(states)))
        requests = list(rows.scalars())
    due = {r.id: r.next_try_at or r.due_at for r in requests}
    ordered = sorted(requests, key=lambda r: (due[r.id], not r.urgent, r.id))
    return [(r.id, r.state in OPEN_STATES and due[r.id] < now) for r in ordered]


def listed_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr data-callback="(\d+)"', page)]


# --- the JSON API ----------------------------------------------------------------


async def test_queue_is_ordered_by_due_time_with_overdue_flags_and_helsinki_times(desk):
    handler = await desk.client("hanna.handler")
    status, body = await api(handler, "GET", "/api/staff/callbacks")
    assert status == 200
    items = body["items"]
    assert [(item["id"], item["overdue"]) for item in items] == expected_queue(desk)
    assert body["now"] == "2026-11-24T12:00:00+02:00" and body["total"] == len(SPECS)
    # Monday's urgent request was promised by Monday 15.30 and is the only one overdue.
    first = items[0]
    assert first["id"] == desk.ids["overdue"] and first["overdue"] is True
    assert first["due_at"] == "2026-11-23T15:30:00+02:00"
    assert first["created_at"] == "2026-11-23T10:00:00+02:00"
    assert [item["overdue"] for item in items[1:]] == [False] * (len(items) - 1)
    assert items[1]["id"] == desk.ids["urgent_today"]
    assert first["unit"] == {
        "id": LOHJA_ORAL[1],
        "name_fi": "Lohjan suun terveydenhuolto",
        "name_sv": "Mun- och tandvården i Lojo",
    }
    assert first["need_label"] == label("need_oral_health", "fi")
    # The list tells what is needed to choose the next call, not the resident's details.
    assert not {"phone", "name", "topic"} & first.keys()
    for item in items:
        for field in ("due_at", "promised_by", "created_at"):
            moment = datetime.fromisoformat(item[field])
            assert moment.utcoffset() == FINLAND.utcoffset(moment.replace(tzinfo=None))

    # Listing is audited, with the ids shown.
    (entry,) = desk.audit(action="list")
    assert entry.user_id == desk.user_id("hanna.handler")
    assert entry.object_type == "callback_request"
    assert f"ids={','.join(str(item['id']) for item in items)}" in entry.detail


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        (f"unit={LOHJA_HEALTH[1]}", lambda key, s: s.unit == LOHJA_HEALTH),
        (f"unit={LOHJA_ORAL[0]}", lambda key, s: s.unit == LOHJA_ORAL),  # by service id too
        ("urgency=urgent", lambda key, s: s.urgent),
        ("urgency=normal", lambda key, s: not s.urgent),
        ("language=sv", lambda key, s: s.language == "sv"),
        (f"language=fi&unit={LOHJA_HEALTH[1]}",
         lambda key, s: s.language == "fi" and s.unit == LOHJA_HEALTH),
        ("unit=&urgency=&language=", lambda key, s: True),
    ],
)  # fmt: skip
async def test_filters_select_exactly_the_matching_requests(desk, query, wanted):
    handler = await desk.client("hanna.handler")
    status, body = await api(handler, "GET", f"/api/staff/callbacks?{query}")
    assert status == 200
    expected = {desk.ids[key] for key, spec in SPECS.items() if wanted(key, spec)}
    assert {item["id"] for item in body["items"]} == expected
    order = [item["id"] for item in body["items"]]
    assert order == [i for i, _ in expected_queue(desk) if i in expected]


async def test_state_filter_and_closed_requests(desk):
    handler = await desk.client("hanna.handler")
    done_id = desk.ids["memory"]
    assert (await api(handler, "POST", f"/api/staff/callbacks/{done_id}/complete"))[0] == 200
    cancelled_id = desk.ids["health_sv"]
    assert (await api(handler, "POST", f"/api/staff/callbacks/{cancelled_id}/cancel"))[0] == 200

    async def ids(query: str) -> list[int]:
        status, body = await api(handler, "GET", f"/api/staff/callbacks?{query}")
        assert status == 200, body
        return [item["id"] for item in body["items"]]

    assert done_id not in await ids("") and cancelled_id not in await ids("state=open")
    assert await ids("state=done") == [done_id]
    assert await ids("state=cancelled") == [cancelled_id]
    assert await ids("state=all") == [i for i, _ in expected_queue(desk, states=(
        "new", "claimed", "done", "no_answer", "cancelled"))]  # fmt: skip
    status, body = await api(handler, "GET", "/api/staff/callbacks?state=done")
    assert body["items"][0]["overdue"] is False  # a closed request is never overdue


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("urgency=very", "urgency"),
        ("language=en", "language"),
        ("state=lost", "state"),
        ("unit=%3Cscript%3E", "unit"),
        ("unit=" + "x" * 65, "unit"),
        ("state=%00", "state"),
    ],
)
async def test_bad_filters_are_400_with_a_clear_message(desk, query, field):
    handler = await desk.client("hanna.handler")
    status, body = await api(handler, "GET", f"/api/staff/callbacks?{query}")
    assert status == 400 and body["error"].startswith(field)
    status, _, page = await handler.get(f"/staff/callbacks?{query}")
    assert status == 400 and FI[f"cb_bad_{field}"] in page


async def test_viewing_a_request_is_audited_and_shows_its_history(desk):
    handler = await desk.client("hanna.handler")
    callback_id = desk.ids["overdue"]
    status, body = await api(handler, "GET", f"/api/staff/callbacks/{callback_id}")
    assert status == 200
    stored = desk.row(callback_id)
    assert body["reference"] == stored.reference and body["phone"] == "+358401234567"
    assert body["name"] == "Asukas overdue" and body["topic"] == "Asia overdue"
    assert body["conversation_id"] == "conversation-overdue"
    assert body["overdue"] is True and body["state"] == "new"
    assert body["due_from"] == from_stored(stored.due_from).isoformat()
    assert body["events"] == [
        {"at": "2026-11-23T10:00:00+02:00", "actor": "resident", "action": "submitted", "note": ""}
    ]
    status, _, page = await handler.get(f"/staff/callbacks/{callback_id}")
    assert status == 200 and 'href="tel:+358401234567"' in page and "040 123 4567" in page

    views = desk.audit(action="view", object_type="callback_request")
    assert [(e.user_id, e.object_id) for e in views] == [
        (desk.user_id("hanna.handler"), str(callback_id))
    ] * 2


@pytest.mark.parametrize(("raw", "status"), [("abc", 400), ("0", 400), ("1" * 10, 400),
                                             ("-1", 400), ("99999", 404)])  # fmt: skip
async def test_bad_and_unknown_ids(desk, raw, status):
    handler = await desk.client("hanna.handler")
    answered, body = await api(handler, "GET", f"/api/staff/callbacks/{raw}")
    assert answered == status and body["error"]
    answered, body = await api(handler, "POST", f"/api/staff/callbacks/{raw}/claim")
    assert answered == status and body["error"]
    answered, _, page = await handler.get(f"/staff/callbacks/{raw}")
    assert answered == status and FI["cb_not_found"] in page
    assert not desk.audit(action="view")


async def test_claim_no_answer_and_complete_with_conflicts_between_handlers(desk):
    hanna = await desk.client("hanna.handler")
    heikki = await desk.client(SECOND_HANDLER, SECOND_PASSWORD)
    callback_id = desk.ids["urgent_today"]
    base = f"/api/staff/callbacks/{callback_id}"

    status, body = await api(hanna, "POST", f"{base}/claim")
    assert status == 200 and body["state"] == "claimed"
    # The other handler can neither take it nor close it.
    for step in ("claim", "complete", "no-answer", "release"):
        status, body = await api(heikki, "POST", f"{base}/{step}")
        assert status == 409 and "claimed" in body["error"], step
    status, body = await api(heikki, "GET", base)
    assert body["claimed_by"] == "hanna.handler"

    next_try = "2026-11-25T09:15"
    status, body = await api(
        hanna, "POST", f"{base}/no-answer", {"note": "Ei vastannut.", "next_try_at": next_try}
    )
    assert status == 200 and body["state"] == "no_answer" and body["attempts"] == 1
    assert body["next_try_at"] == "2026-11-25T09:15:00+02:00"
    stored = desk.row(callback_id)
    assert stored.claimed_by is None
    assert stored.next_try_at == to_stored(datetime(2026, 11, 25, 9, 15, tzinfo=FINLAND))
    # The agreed next try is now its place in the queue.
    _, queue = await api(heikki, "GET", "/api/staff/callbacks")
    entry = next(item for item in queue["items"] if item["id"] == callback_id)
    assert entry["due_at"] == "2026-11-25T09:15:00+02:00" and entry["attempts"] == 1
    assert [item["id"] for item in queue["items"]] == [i for i, _ in expected_queue(desk)]

    # Back in the queue, so the other handler may take it now.
    assert (await api(heikki, "POST", f"{base}/claim"))[0] == 200
    status, body = await api(heikki, "POST", f"{base}/complete", {"note": "Aika varattu."})
    assert status == 200 and body["state"] == "done"
    for step in ("claim", "complete", "no-answer", "release", "cancel"):
        status, body = await api(hanna, "POST", f"{base}/{step}")
        assert status == 409 and "done" in body["error"], step

    _, detail = await api(hanna, "GET", base)
    assert [(e["actor"], e["action"], e["note"]) for e in detail["events"]] == [
        ("resident", "submitted", ""),
        ("hanna.handler", "claimed", ""),
        ("hanna.handler", "no_answer", "Ei vastannut."),
        (SECOND_HANDLER, "claimed", ""),
        (SECOND_HANDLER, "completed", "Aika varattu."),
    ]
    steps = desk.audit(object_type="callback_request", object_id=str(callback_id))
    assert [(e.user_id, e.action) for e in steps if e.action != "view"] == [
        (desk.user_id("hanna.handler"), "claim"),
        (desk.user_id("hanna.handler"), "no-answer"),
        (desk.user_id(SECOND_HANDLER), "claim"),
        (desk.user_id(SECOND_HANDLER), "complete"),
    ]


async def test_release_and_cancel(desk):
    hanna = await desk.client("hanna.handler")
    admin = await desk.client("alma.admin")
    base = f"/api/staff/callbacks/{desk.ids['health_fi']}"
    assert (await api(hanna, "POST", f"{base}/release"))[0] == 409  # nobody has claimed it
    assert (await api(hanna, "POST", f"{base}/claim"))[0] == 200
    status, body = await api(hanna, "POST", f"{base}/release", {"note": "Väärä yksikkö."})
    assert status == 200 and body["state"] == "new"
    assert desk.row("health_fi").claimed_by is None
    # Admins handle requests too; cancelling is possible while someone else holds it.
    assert (await api(hanna, "POST", f"{base}/claim"))[0] == 200
    status, body = await api(admin, "POST", f"{base}/cancel")
    assert status == 200 and body["state"] == "cancelled"
    assert (await api(admin, "POST", f"{base}/cancel"))[0] == 409
    with session_scope(desk.portal.engine) as db:
        last = db.execute(
            select(CallbackEvent).order_by(CallbackEvent.id.desc()).limit(1)
        ).scalar_one()
    assert (last.action, last.actor) == ("cancelled", str(desk.user_id("alma.admin")))


@pytest.mark.parametrize(
    ("step", "body", "message"),
    [
        ("complete", {"note": "x" * (MAX_NOTE_CHARS + 1)}, "note is longer"),
        ("complete", {"note": 42}, "note must be text"),
        ("complete", {"next_try_at": "2026-11-25T09:00"}, "does not take"),
        ("claim", {"note": "hello"}, "does not take"),
        ("no-answer", {"next_try_at": "2026-11-24T11:59"}, "in the future"),
        ("no-answer", {"next_try_at": "2027-03-01T09:00"}, "within 90 days"),
        ("no-answer", {"next_try_at": "huomenna"}, "ISO 8601"),
        ("no-answer", {"next_try_at": "9999-12-31T23:59:59-23:59"}, "next_try_at"),
        ("no-answer", {"next_try_at": ["2026-11-25"]}, "ISO 8601"),
        ("complete", [], "JSON object"),
    ],
)
async def test_bad_step_input_is_400_and_changes_nothing(desk, step, body, message):
    handler = await desk.client("hanna.handler")
    callback_id = desk.ids["memory"]
    status, answer = await api(handler, "POST", f"/api/staff/callbacks/{callback_id}/{step}", body)
    assert status == 400 and message in answer["error"]
    stored = desk.row(callback_id)
    assert (stored.state, stored.attempts, stored.claimed_by) == ("new", 0, None)
    assert len(stored.events) == 1


async def test_api_posts_need_the_csrf_header_and_json(desk):
    handler = await desk.client("hanna.handler")
    path = f"/api/staff/callbacks/{desk.ids['memory']}/complete"
    status, body = await api(handler, "POST", path, headers={})
    assert status == 403 and body == {"error": "csrf_failed"}
    # A form with the token in a field passes the session check, but the API takes JSON only.
    status, _, text = await handler.request(
        "POST", path, data={"csrf_token": handler.csrf, "note": "lomake"}
    )
    assert status == 400 and "JSON" in json.loads(text)["error"]
    status, _, text = await handler.request(
        "POST",
        path,
        data="{not json",
        headers={"X-CSRF-Token": handler.csrf, "Content-Type": "application/json"},
    )
    assert status == 400 and "not valid JSON" in json.loads(text)["error"]
    assert desk.row("memory").state == "new"


async def test_reviewers_and_strangers_are_refused(desk):
    reviewer = await desk.client("reijo.reviewer")
    callback_id = desk.ids["overdue"]
    for path in (
        "/api/staff/callbacks",
        f"/api/staff/callbacks/{callback_id}",
        "/staff/callbacks",
        f"/staff/callbacks/{callback_id}",
        "/staff/appointments",
    ):
        assert (await reviewer.get(path))[0] == 403, path
    for step in ("claim", "complete", "cancel"):
        status, _ = await api(reviewer, "POST", f"/api/staff/callbacks/{callback_id}/{step}")
        assert status == 403
        status, _, _ = await reviewer.post_form(f"/staff/callbacks/{callback_id}/{step}", {})
        assert status == 403
    stranger = desk.portal.browser()
    desk.clients.append(stranger)
    assert (await stranger.get("/api/staff/callbacks"))[0] == 401
    status, headers, _ = await stranger.get(f"/staff/callbacks/{callback_id}")
    assert status == 303 and headers["Location"].startswith("/staff/login")
    assert desk.row(callback_id).state == "new"
    assert not desk.audit(object_type="callback_request")


# --- the pages -------------------------------------------------------------------


async def test_queue_page_shows_due_and_overdue_at_a_glance_and_filters(desk):
    handler = await desk.client("hanna.handler")
    status, _, page = await handler.get("/staff/callbacks")
    assert status == 200
    assert listed_ids(page) == [i for i, _ in expected_queue(desk)]
    overdue_rows = re.findall(r'<tr data-callback="(\d+)" class="overdue">', page)
    assert overdue_rows == [str(desk.ids["overdue"])]
    assert page.count(FI["cb_overdue"] + "</span>") == 1
    assert "23.11.2026 15.30" in page  # the overdue one's due time, Finnish style
    assert FI["cb_summary"].format(total=5, overdue=1, urgent=2) in page
    assert f'href="/staff/callbacks/{desk.ids["overdue"]}"' in page
    assert label("need_memory_concern", "fi") in page
    assert "Asukas overdue" not in page and "040 123 4567" not in page
    # Every filter has a label; the table has column headers.
    for field in ("unit", "urgency", "language", "state"):
        assert f'<label for="{field}">' in page and f'id="{field}"' in page
    assert page.count('<th scope="col">') == 9

    status, _, page = await handler.get(f"/staff/callbacks?language=sv&unit={RASEBORG_HEALTH[1]}")
    assert listed_ids(page) == [desk.ids["health_sv"]]
    assert f'<option value="{RASEBORG_HEALTH[1]}" selected>' in page
    assert '<option value="sv" selected>' in page


async def test_handler_claims_and_completes_with_forms_and_sees_conflicts(desk):
    hanna = await desk.client("hanna.handler")
    heikki = await desk.client(SECOND_HANDLER, SECOND_PASSWORD)
    callback_id = desk.ids["overdue"]
    path = f"/staff/callbacks/{callback_id}"

    status, headers, _ = await hanna.post_form(f"{path}/claim", {})
    assert status == 303 and headers["Location"] == f"{path}?done=claim"
    status, _, page = await hanna.get(headers["Location"])
    assert FI["cb_done_claim"] in page and 'id="claimed-by">hanna.handler<' in page
    assert f'action="{path}/release"' in page

    # The second handler sees who has it; a stale form answers 409 with an explanation.
    status, _, page = await heikki.get(path)
    assert FI["cb_claimed_by_other"].format(username="hanna.handler") in page
    assert f'action="{path}/claim"' not in page
    status, _, page = await heikki.post_form(f"{path}/complete", {"note": "minä hoidin"})
    assert status == 409 and FI["cb_conflict"] in page
    assert desk.row(callback_id).state == "claimed"

    # A bad next try keeps what was typed and explains.
    status, _, page = await hanna.post_form(
        f"{path}/no-answer", {"note": "vastaaja", "next_try_at": "2026-11-24T08:00"}
    )
    assert status == 400 and FI["cb_next_try_range"] in page
    assert 'value="2026-11-24T08:00"' in page and ">vastaaja</textarea>" in page

    status, headers, _ = await hanna.post_form(f"{path}/complete", {"note": "Soitettu, hoidettu."})
    assert status == 303
    stored = desk.row(callback_id)
    assert stored.state == "done" and stored.closed_at == to_stored(NOW)
    assert stored.events[-1].note == "Soitettu, hoidettu."
    status, _, page = await hanna.get(f"{path}?done=complete")
    assert FI["cb_done_complete"] in page and FI["cb_closed_notice"] in page
    assert "Soitettu, hoidettu." in page and FI["cb_event_completed"] in page


async def test_no_answer_form_schedules_the_next_try(desk):
    hanna = await desk.client("hanna.handler")
    callback_id = desk.ids["memory"]
    path = f"/staff/callbacks/{callback_id}"
    status, _, page = await hanna.get(path)
    # The suggestion is two hours ahead on the quarter hour; the field refuses the past.
    assert 'min="2026-11-24T12:00"' in page and 'value="2026-11-24T14:00"' in page
    status, _, _ = await hanna.post_form(
        f"{path}/no-answer", {"note": "", "next_try_at": "2026-11-26T13:30"}
    )
    assert status == 303
    stored = desk.row(callback_id)
    assert (stored.state, stored.attempts) == ("no_answer", 1)
    assert from_stored(stored.next_try_at) == datetime(2026, 11, 26, 13, 30, tzinfo=FINLAND)
    status, _, page = await hanna.get(path)
    assert "26.11.2026 13.30" in page and FI["cb_state_no_answer"] in page


@pytest.mark.parametrize(
    ("now", "suggested"),
    [
        (datetime(2026, 11, 24, 7, 10, tzinfo=FINLAND), "2026-11-24T09:00"),
        (datetime(2026, 11, 27, 15, 0, tzinfo=FINLAND), "2026-11-30T09:00"),  # Friday afternoon
        (datetime(2026, 12, 24, 10, 0, tzinfo=FINLAND), "2026-12-28T09:00"),  # Christmas
    ],
)
async def test_next_try_suggestion_falls_on_office_hours_of_a_working_day(desk, now, suggested):
    desk.portal.clock.now = to_stored(now)
    hanna = await desk.client("hanna.handler")
    status, _, page = await hanna.get(f"/staff/callbacks/{desk.ids['memory']}")
    assert status == 200 and 'id="next-try" name="next_try_at" type="datetime-local"' in page
    assert f'value="{suggested}"' in page


async def test_everything_the_resident_and_staff_wrote_is_escaped(desk):
    probe = '<script>alert("x")</script>'
    callback_id = desk.submit(
        "xss", SPECS["memory"], topic=f"Apua {probe}", name='<img src=x onerror="alert(1)">'
    )
    hanna = await desk.client("hanna.handler")
    path = f"/staff/callbacks/{callback_id}"
    await hanna.post_form(f"{path}/claim", {})
    await hanna.post_form(f"{path}/complete", {"note": f"Huom {probe}"})
    status, _, page = await hanna.get(path)
    assert status == 200
    assert "<script>" not in page.split("<main", 1)[1] and "<img" not in page
    assert "Apua &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "Huom &lt;script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    # Conversation ids come from the chat client: quoted in links, escaped in text.
    odd_conversation = 'a/b"><script>'
    odd = desk.submit("odd", SPECS["memory"], conversation_id=odd_conversation)
    admin = await desk.client("alma.admin")
    status, _, page = await admin.get(f"/staff/callbacks/{odd}")
    assert f'href="/staff/conversations/{quote(odd_conversation, safe="")}"' in page
    assert "<script>" not in page.split("<main", 1)[1]


async def test_conversation_link_for_roles_that_may_open_it(desk):
    callback_id = desk.ids["overdue"]
    admin = await desk.client("alma.admin")
    status, _, page = await admin.get(f"/staff/callbacks/{callback_id}")
    assert 'id="conversation-link" href="/staff/conversations/conversation-overdue"' in page
    handler = await desk.client("hanna.handler")
    status, _, page = await handler.get(f"/staff/callbacks/{callback_id}")
    # Handlers read the conversation behind a request: one click away (issue 5).
    assert 'id="conversation-link" href="/staff/conversations/conversation-overdue"' in page


async def test_pages_in_swedish(desk):
    hanna = await desk.client("hanna.handler")
    await hanna.post_form("/staff/language", {"language": "sv", "next": "/staff/callbacks"})
    status, _, page = await hanna.get("/staff/callbacks")
    assert status == 200 and '<html lang="sv">' in page
    assert SV["cb_queue_title"] in page and label("need_oral_health", "sv") in page
    assert "Mun- och tandvården i Lojo" in page and SV["cb_overdue"] in page
    status, _, page = await hanna.get(f"/staff/callbacks/{desk.ids['overdue']}")
    assert SV["cb_step_claim"] in page and "Så snart som möjligt" in page
    _, body = await api(hanna, "GET", "/api/staff/callbacks")
    assert body["items"][0]["need_label"] == label("need_oral_health", "sv")


def test_desk_texts_exist_in_both_languages():
    keys = {key for key in FI if key.startswith(("cb_", "appt_"))}
    assert len(keys) > 100 and keys == {key for key in SV if key.startswith(("cb_", "appt_"))}
    assert all(SV[key] != FI[key] for key in keys if not FI[key].startswith("{"))


# --- appointments ----------------------------------------------------------------


def day_slots(desk: Desk, unit: str, day: date) -> list[tuple[int, str | None]]:
    start = to_stored(datetime(day.year, day.month, day.day, tzinfo=FINLAND))
    with session_scope(desk.portal.engine) as db:
        slots = db.execute(
            select(Slot.id)
            .where(Slot.channel_id == unit, Slot.starts_at >= start)
            .where(Slot.starts_at < start + timedelta(days=1))
            .order_by(Slot.starts_at)
        ).scalars()
        ids = list(slots)
        booked = dict(
            db.execute(
                select(Booking.slot_id, Booking.reference).where(
                    Booking.slot_id.in_(ids), Booking.state == ACTIVE
                )
            ).all()
        )
    return [(slot_id, booked.get(slot_id)) for slot_id in ids]


async def test_appointments_per_unit_and_day(desk):
    unit, day = LOHJA_ORAL[1], date(2026, 11, 24)
    expected = day_slots(desk, unit, day)
    free = [slot_id for slot_id, reference in expected if reference is None]
    assert len(expected) > 5 and free and len(free) < len(expected)
    booking = SqlSlotStore(desk.portal.engine).book(free[-1], "conv-book", "oral_health", "sv")
    assert booking is not None
    expected = day_slots(desk, unit, day)

    handler = await desk.client("hanna.handler")
    status, _, page = await handler.get(f"/staff/appointments?unit={unit}&date={day}")
    assert status == 200
    rows = re.findall(r'<tr data-slot="(\d+)" data-booked="(yes|no)">', page)
    assert rows == [(str(i), "yes" if ref else "no") for i, ref in expected]
    for _, reference in expected:
        if reference:
            assert f"<td>{reference}</td>" in page
    booked_row = page.split(f'<tr data-slot="{free[-1]}"', 1)[1].split("</tr>", 1)[0]
    assert booking.reference in booked_row and FI["language_sv"] in booked_row
    assert label("need_oral_health", "fi") in booked_row
    booked = sum(1 for _, ref in expected if ref)
    summary = FI["appt_summary"].format(
        unit="Lohjan suun terveydenhuolto", day="24.11.2026", count=len(expected), booked=booked
    )
    assert summary in page
    assert f"date={day - timedelta(days=1)}" in page and f"date={day + timedelta(days=1)}" in page
    (entry,) = desk.audit(object_type="appointment_day")
    assert entry.object_id == f"{unit}/2026-11-24" and entry.action == "view"

    # Sunday: no times. Bad input is explained, never a crash.
    status, _, page = await handler.get(f"/staff/appointments?unit={unit}&date=2026-11-29")
    assert status == 200 and FI["appt_empty"] in page
    status, _, page = await handler.get(f"/staff/appointments?unit={unit}&date=2026-02-30")
    assert status == 400 and FI["appt_bad_day"] in page
    status, _, page = await handler.get(f"/staff/appointments?unit={unit}&date=1999-01-01")
    assert status == 400 and FI["appt_bad_day"] in page
    status, _, page = await handler.get("/staff/appointments?unit=no-such-unit")
    assert status == 404 and FI["appt_unknown_unit"] in page
    status, _, page = await handler.get("/staff/appointments")
    assert status == 200 and f'<option value="{unit}">' in page and "data-slot" not in page

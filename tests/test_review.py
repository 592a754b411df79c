"""Conversation review and analytics without a browser: transcripts parsed from a
tracker store written by Rasa's own SQLTrackerStore, hand-counted analytics,
the NLU export read back by Rasa, CSV safety, and the pages over real HTTP
(create_app on a real port, real SQLite databases).
"""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp.test_utils import TestServer
from rasa.shared.core.constants import DEFAULT_INTENTS
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.loading import load_data
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from bot.callbacks.service import (
    CallbackDraft,
    cancel_callback,
    complete,
    record_no_answer,
    submit_callback,
)
from bot.db import engine_for, init_db, make_engine, session_scope
from bot.feedback import record_rating
from bot.models import Feedback
from bot.retention import Deleted, delete_conversation
from bot.review.analytics import summarise
from bot.review.csv_export import csv_text
from bot.review.export import nlu_yaml
from bot.review.intents import DOMAIN_DIR, domain_intents
from bot.review.listing import ConversationFilter, filter_conversations, negative_conversations
from bot.review.models import IntentCorrection, ReviewState
from bot.review.period import Period
from bot.review.reviewing import CorrectionError, correct_intent, parse_tags
from bot.review.sources import load_callbacks, load_conversation, load_conversations, load_feedback
from bot.review.tracker import events as tracker_events
from bot.settings import Settings
from bot.staff.accounts import create_user
from bot.staff.context import FINNISH_TIME
from bot.staff.models import AuditEntry
from bot.staff.texts import TEXTS
from bot.web.app import create_app
from tests.review_fixtures import Said, Scripted, StaffClient, routing, write_tracker

DAY1, DAY2, DAY3 = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)  # Mon-Wed
PERIOD = Period(DAY1, DAY3)
NOW = datetime(2025, 3, 20, 12, 0)  # naive UTC, well after every promise
PASSWORDS = {
    "rita.reviewer": "reviewer-salasana-1",
    "hannu.handler": "handler-lösenord-2",
    "aila.admin": "admin-salasana-3",
    "alva.admin": "admin-lösenord-4",
}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=FINNISH_TIME)


SV = ("sv", 0.99, 9.0)
CONVERSATIONS = {
    "a1-oral-fi": Scripted(
        at(DAY1, 10),
        [
            Said(
                "tarvitsen hammaslääkärin",
                "need_oral_health",
                0.97,
                routing=routing("oral_health", "appointment", "fi"),
                actions=("action_route_need",),
            )
        ],
        opening=["Hei! Miten voin auttaa?"],
    ),
    "a2-memory-sv": Scripted(
        at(DAY1, 11),
        [
            Said(
                "min mamma glömmer allt",
                "need_memory_concern",
                0.55,
                routing=routing("memory_concern", "callback", "sv"),
                actions=("action_route_need",),
                language_slot="sv",
                identified=SV,
            )
        ],
    ),
    # 00:30 Finnish time is still the previous day in UTC: it counts on DAY2.
    "a3-lonely-fi": Scripted(
        at(DAY2, 0, 30),
        [
            Said(
                "olen yksinäinen",
                "need_loneliness_peer_support",
                0.91,
                routing=routing("loneliness_peer_support", "third_sector", "fi", "third_sector"),
            )
        ],
    ),
    "a4-fallback-fi": Scripted(
        at(DAY2, 12),
        [
            Said("asdf jkl", "nlu_fallback", 0.4, actions=("action_two_stage_fallback",)),
            Said(
                "/need_oral_health",
                "need_oral_health",
                1.0,
                routing=routing("oral_health", "appointment", "fi"),
            ),
        ],
    ),
    "a5-phone-sv": Scripted(
        at(DAY3, 9),
        [
            Said(
                "Ring mig på 040 123 4567 <b>nu</b>, hetu 131052-308T",
                "request_callback",
                0.9,
                reply="Jag ringer 040 123 4567.",
                language_slot="sv",
                identified=SV,
            )
        ],
    ),
    "a6-before-fi": Scripted(at(DAY1 - timedelta(days=1), 23), [Said("hei", "greet", 0.99)]),
    "a7-nobody-wrote": Scripted(at(DAY2, 8), [], opening=["Hei! Miten voin auttaa?"]),
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var directory: Rasa's tracker store and an app database with users,
    feedback and callback requests. Each test gets its own copy."""
    var = tmp_path_factory.mktemp("review-seed")
    asyncio.run(write_tracker(var / "tracker.db", CONVERSATIONS))
    engine = make_engine(f"sqlite:///{var / 'neuvo.db'}")
    init_db(engine)
    with session_scope(engine) as db:
        create_user(db, "rita.reviewer", PASSWORDS["rita.reviewer"], "reviewer", "fi")
        create_user(db, "hannu.handler", PASSWORDS["hannu.handler"], "handler", "sv")
        create_user(db, "aila.admin", PASSWORDS["aila.admin"], "admin", "fi")
        create_user(db, "alva.admin", PASSWORDS["alva.admin"], "admin", "sv")
    record_rating(engine, "a1-oral-fi", "up", "fi")
    record_rating(engine, "a2-memory-sv", "up", "sv")
    record_rating(engine, "a2-memory-sv", "down", "sv")  # changed their mind: counts as down
    record_rating(engine, "a6-before-fi", "up", "fi")  # outside the period
    seed_callbacks(engine)
    engine.dispose()
    return var


# How long each attempted callback waited for its first call, as seeded.
SEEDED_WAITS: list[timedelta] = []


def _draft(conversation_id: str) -> CallbackDraft:
    return CallbackDraft(
        conversation_id=conversation_id,
        need="memory_concern",
        topic="muisti",
        phone="040 123 4567",
        name=None,
        call_language="fi",
        preferred_time="any",
        urgent=False,
        service_id=None,
        channel_id=None,
        consent=True,
    )


def _aware(stored: datetime) -> datetime:
    return stored.replace(tzinfo=timezone.utc)


def seed_callbacks(engine) -> None:
    """Through the callback service itself: on time, late, missed, cancelled, outside."""
    with session_scope(engine) as db:
        on_time, _ = submit_callback(db, _draft("cb-on-time"), at(DAY1, 10, 5))
        first = _aware(on_time.due_at) - timedelta(hours=1)
        record_no_answer(db, on_time.id, 7, "", None, first)
        complete(db, on_time.id, 7, "", first + timedelta(hours=2))
        SEEDED_WAITS.append(first - at(DAY1, 10, 5))

        late, _ = submit_callback(db, _draft("cb-late"), at(DAY2, 13))
        first = _aware(late.due_at) + timedelta(minutes=30)
        complete(db, late.id, 7, "", first)
        SEEDED_WAITS.append(first - at(DAY2, 13))

        submit_callback(db, _draft("cb-missed"), at(DAY3, 8))
        cancelled, _ = submit_callback(db, _draft("cb-cancelled"), at(DAY3, 9))
        cancel_callback(db, cancelled.reference, None, at(DAY3, 9, 30))
        outside, _ = submit_callback(db, _draft("cb-outside"), at(DAY3 + timedelta(days=1), 9))
        complete(db, outside.id, 7, "", at(DAY3 + timedelta(days=1), 9, 10))


@pytest.fixture
def var(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("tracker.db", "neuvo.db"):
        shutil.copy(seeded / name, tmp_path / name)
    monkeypatch.setenv("NEUVO_DATABASE_URL", f"sqlite:///{tmp_path / 'neuvo.db'}")
    monkeypatch.delenv("NEUVO_TRACKER_URL", raising=False)
    return tmp_path


@pytest.fixture
def tracker(var: Path):
    engine = make_engine(f"sqlite:///{var / 'tracker.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def app_db(var: Path):
    engine = make_engine(f"sqlite:///{var / 'neuvo.db'}")
    yield engine
    engine.dispose()


# --- transcripts -------------------------------------------------------------


def test_a_transcript_has_each_turns_intent_confidence_actions_and_routing(tracker):
    conversation = load_conversation(tracker, "a4-fallback-fi")
    first, second = conversation.turns
    assert (first.text, first.intent, first.confidence) == ("asdf jkl", "nlu_fallback", 0.4)
    assert first.actions == ["action_two_stage_fallback"]
    assert first.fallback and first.low_confidence and not first.is_button
    assert second.is_button and not second.fallback and not second.low_confidence
    (routed,) = second.routings
    assert (routed.need, routed.outcome, routed.municipality) == (
        "oral_health",
        "appointment",
        "049",
    )
    assert routed.services[0].provider_type == "public"
    assert conversation.outcome == "appointment" and conversation.needs == ["oral_health"]
    assert conversation.had_fallback and conversation.language == "fi"
    assert conversation.started_at == at(DAY2, 12)

    greeted = load_conversation(tracker, "a1-oral-fi")
    assert [reply.text for reply in greeted.opening] == ["Hei! Miten voin auttaa?"]
    assert greeted.turns[0].runners_up == [("out_of_scope", 0.01)]
    assert not greeted.had_fallback and not greeted.low_confidence


def test_language_comes_from_the_slot_and_sure_identifications(tracker):
    swedish = load_conversation(tracker, "a2-memory-sv")
    assert swedish.language == "sv" and swedish.turns[0].language == "sv"
    assert swedish.low_confidence  # 0.55
    assert load_conversation(tracker, "a3-lonely-fi").turns[0].language == "fi"


def test_staff_never_see_identity_codes_phone_numbers_or_emails(tracker):
    turn = load_conversation(tracker, "a5-phone-sv").turns[0]
    assert "040" not in turn.text and "131052" not in turn.text
    assert "[phone]" in turn.text and "[hetu]" in turn.text
    assert turn.replies[0].text == "Jag ringer [phone]."


def test_sessions_without_a_resident_message_are_not_conversations(tracker):
    assert load_conversation(tracker, "a7-nobody-wrote") is None
    assert load_conversation(tracker, "no-such-sender") is None
    listed = {c.id for c in load_conversations(tracker, Period(DAY1 - timedelta(days=1), DAY3))}
    assert listed == set(CONVERSATIONS) - {"a7-nobody-wrote"}


def test_a_missing_tracker_table_means_no_conversations(tmp_path):
    empty = make_engine(f"sqlite:///{tmp_path / 'not-yet.db'}")
    assert load_conversations(empty, PERIOD) == []
    assert load_conversation(empty, "a1-oral-fi") is None


def test_periods_are_finnish_days(tracker):
    day2 = {c.id for c in load_conversations(tracker, Period(DAY2, DAY2))}
    assert day2 == {"a3-lonely-fi", "a4-fallback-fi"}
    today = date(2025, 3, 10)
    assert Period.from_query({}, today) == Period(date(2025, 3, 4), today)
    assert Period.from_query({"from": "2025-03-05", "to": "2025-03-01"}, today) == Period(
        date(2025, 3, 1), date(2025, 3, 5)
    )
    assert Period.from_query({"from": "nonsense", "to": "2025-13-45"}, today) == Period(
        date(2025, 3, 4), today
    )
    long = Period.from_query({"from": "2000-01-01", "to": "2025-03-10"}, today)
    assert long.end == today and len(list(long.days())) == 366


# --- analytics -------------------------------------------------------------


def test_analytics_of_a_hand_counted_set(tracker, app_db):
    conversations = load_conversations(tracker, PERIOD)
    feedback = load_feedback(app_db, [c.id for c in conversations])
    data = summarise(conversations, feedback, load_callbacks(app_db, PERIOD), PERIOD, NOW)

    assert data.conversations == 5
    assert data.per_day == [(DAY1, 2), (DAY2, 2), (DAY3, 1)]
    shares = {outcome: (s.count, s.total) for outcome, s in data.outcomes}
    assert shares == {"appointment": (2, 5), "callback": (1, 5), "third_sector": (1, 5),
                      "none": (1, 5)}  # fmt: skip
    assert [outcome for outcome, _ in data.outcomes][-1] == "none"
    assert (data.third_sector.count, data.third_sector.total) == (1, 5)
    # Six resident messages (a4 has two), one of them not understood.
    assert (data.fallback_messages.count, data.fallback_messages.total) == (1, 6)
    assert (data.fallback_conversations.count, data.fallback_conversations.total) == (1, 5)
    languages = {code: (s.count, s.total) for code, s in data.languages}
    assert languages == {"fi": (3, 5), "sv": (2, 5)}
    # a1 up, a2 down (its latest rating); a6 is outside the period.
    assert (data.feedback.count, data.feedback.total) == (1, 2)
    # On time, late and missed count; cancelled and outside the period do not.
    service = data.callback_service_level
    assert (service.count, service.total) == (1, 3)
    shorter, longer = sorted(SEEDED_WAITS)
    assert data.median_first_attempt == shorter + (longer - shorter) / 2


def test_analytics_without_data_has_no_shares(tmp_path):
    empty = make_engine(f"sqlite:///{tmp_path / 'neuvo.db'}")
    init_db(empty)
    data = summarise([], load_feedback(empty, []), load_callbacks(empty, PERIOD), PERIOD, NOW)
    assert data.conversations == 0 and data.per_day == [(DAY1, 0), (DAY2, 0), (DAY3, 0)]
    assert data.third_sector.ratio is None and data.feedback.ratio is None
    assert data.callback_service_level.ratio is None and data.median_first_attempt is None


# --- the list's filters ----------------------------------------------------


def test_filters(tracker, app_db):
    conversations = load_conversations(tracker, PERIOD)
    negative = negative_conversations(load_feedback(app_db, [c.id for c in conversations]))
    states = {"a1-oral-fi": ReviewState(conversation_id="a1-oral-fi", reviewed=True)}

    def ids(**query: str) -> set[str]:
        wanted = ConversationFilter.from_query(query)
        listed = filter_conversations(conversations, states, negative, wanted)
        return {item.conversation.id for item in listed}

    assert ids() == {"a1-oral-fi", "a2-memory-sv", "a3-lonely-fi", "a4-fallback-fi", "a5-phone-sv"}
    assert ids(language="sv") == {"a2-memory-sv", "a5-phone-sv"}
    assert ids(need="oral_health") == {"a1-oral-fi", "a4-fallback-fi"}
    assert ids(outcome="third_sector") == {"a3-lonely-fi"}
    assert ids(outcome="none") == {"a5-phone-sv"}
    assert ids(fallback="1") == {"a4-fallback-fi"}
    assert ids(low_confidence="1") == {"a2-memory-sv", "a4-fallback-fi"}
    assert ids(negative_feedback="1") == {"a2-memory-sv"}
    assert ids(reviewed="yes") == {"a1-oral-fi"}
    assert "a1-oral-fi" not in ids(reviewed="no") and len(ids(reviewed="no")) == 4
    assert ids(language="sv", low_confidence="1") == {"a2-memory-sv"}
    # Unknown values mean "any", never an error.
    assert len(ids(language="en", reviewed="maybe", fallback="yes")) == 5


def test_tags_are_trimmed_deduplicated_and_bounded():
    assert parse_tags(" Palaute, väärä  kieli ;palaute\n\n, ") == ["palaute", "väärä kieli"]
    assert len(parse_tags(",".join(f"t{i}" for i in range(50)))) == 20
    assert parse_tags("x" * 100) == ["x" * 40]


# --- corrections and the NLU export ----------------------------------------


def test_corrections_export_as_rasa_nlu_yaml_per_language(tracker, app_db, tmp_path):
    intents = domain_intents()
    with session_scope(app_db) as db:
        fallback = load_conversation(tracker, "a4-fallback-fi")
        correct_intent(db, fallback, fallback.turns[0].event_id, "out_of_scope", intents, None,
                       datetime(2025, 3, 6))  # fmt: skip
        swedish = load_conversation(tracker, "a5-phone-sv")
        correct_intent(db, swedish, swedish.turns[0].event_id, "request_callback", intents, None,
                       datetime(2025, 3, 6))  # fmt: skip
        memory = load_conversation(tracker, "a2-memory-sv")
        first = correct_intent(db, memory, memory.turns[0].event_id, "need_home_care", intents,
                               None, datetime(2025, 3, 6))  # fmt: skip
        # Correcting again replaces the earlier correction of the same message.
        again = correct_intent(db, memory, memory.turns[0].event_id, "need_memory_concern",
                               intents, None, datetime(2025, 3, 7))  # fmt: skip
        assert again.id == first.id
        with pytest.raises(CorrectionError, match="correction_not_text"):
            correct_intent(db, fallback, fallback.turns[1].event_id, "greet", intents, None, NOW)
        with pytest.raises(CorrectionError, match="correction_unknown_intent"):
            correct_intent(db, fallback, fallback.turns[0].event_id, "nlu_fallback", intents,
                           None, NOW)  # fmt: skip
        with pytest.raises(CorrectionError, match="correction_unknown_message"):
            correct_intent(db, fallback, 999999, "greet", intents, None, NOW)
        corrections = list(db.execute(select(IntentCorrection)).scalars())
    assert len(corrections) == 3

    for language, expected in {
        "fi": {"out_of_scope": ["asdf jkl"]},
        "sv": {
            "need_memory_concern": ["min mamma glömmer allt"],
            # Redacted when shown and stored; brackets are no entity markup.
            "request_callback": ["Ring mig på phone <b>nu</b>, hetu hetu"],
        },
    }.items():
        folder = tmp_path / f"nlu_{language}"
        folder.mkdir()
        path = folder / "corrections.yml"
        path.write_text(nlu_yaml(corrections, language, date(2025, 3, 7)), encoding="utf-8")
        data = load_data(str(path))
        found: dict[str, list[str]] = {}
        for example in data.intent_examples:
            found.setdefault(example.get("intent"), []).append(example.get("text"))
        assert found == expected
        assert not data.entity_examples


def test_awkward_texts_survive_the_export_unchanged_or_flattened():
    texts = {
        'kysyn: "mitä #nyt" - tai jotain',
        "- alkaa viivalla",
        "rivi\nvaihto\tja  välit",
        "[hakasulut](entity) ja {aaltosulut}",
        "nolla\u200bleveys ja \x07kello",
        "emoji 😊 ja ääkköset åäö",
    }
    corrections = [
        IntentCorrection(
            id=n,
            text=text,
            corrected_intent="out_of_scope",
            language="fi",
            corrected_at=datetime(2025, 3, 6),
        )  # fmt: skip
        for n, text in enumerate(sorted(texts), start=1)
    ]
    data = RasaYAMLReader().reads(nlu_yaml(corrections, "fi", date(2025, 3, 7)))
    assert {e.get("text") for e in data.intent_examples} == {
        'kysyn: "mitä #nyt" - tai jotain',
        "- alkaa viivalla",
        "rivi vaihto ja välit",
        "hakasulut(entity) ja {aaltosulut}",
        "nollaleveys ja kello",
        "emoji 😊 ja ääkköset åäö",
    }
    assert not data.entity_examples
    empty = RasaYAMLReader().reads(nlu_yaml(corrections, "sv", date(2025, 3, 7)))
    assert empty.intent_examples == []


def test_the_intent_list_is_rasas_domain():
    domain = Domain.load(str(DOMAIN_DIR))
    ours = set(domain_intents())
    assert "need_oral_health" in ours and "request_callback" in ours
    assert "nlu_fallback" not in ours
    assert ours <= set(domain.intents)
    assert set(domain.intents) - ours <= set(DEFAULT_INTENTS)


# --- CSV --------------------------------------------------------------------


def test_csv_cells_cannot_become_formulas():
    rows = [['=HYPERLINK("http://x")', "+358", "-1+1", "@SUM(A1)", "\tx", "turvallinen", -3, 2.5]]
    text = csv_text(["a", "b", "c", "d", "e", "f", "g", "h"], rows)
    (header, row) = list(csv.reader(io.StringIO(text)))
    assert row[:5] == ['\'=HYPERLINK("http://x")', "'+358", "'-1+1", "'@SUM(A1)", "'\tx"]
    assert row[5:] == ["turvallinen", "-3", "2.5"]  # numbers stay numbers


# --- the pages over HTTP ------------------------------------------------------


@pytest.fixture
async def portal(var: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestServer]:
    # The seeded conversations are from 2025: the retention job would purge them.
    monkeypatch.setenv("NEUVO_RETENTION_INTERVAL_MINUTES", "0")
    server = TestServer(create_app(Settings(var_dir=var)))
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def staff(portal: TestServer) -> AsyncIterator:
    opened: list[StaffClient] = []

    async def log_in(username: str) -> StaffClient:
        client = StaffClient(str(portal.make_url("/")))
        await client.log_in(username, PASSWORDS[username])
        opened.append(client)
        return client

    yield log_in
    for client in opened:
        await client.close()


PERIOD_QUERY = f"from={DAY1}&to={DAY3}"


def audit_entries(app_db, action: str) -> list[AuditEntry]:
    with session_scope(app_db) as db:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(db.execute(query).scalars())


async def test_reviewer_filters_reads_corrects_and_exports(staff, app_db, tracker):
    reviewer = await staff("rita.reviewer")
    status, _, page = await reviewer.get(f"/staff/conversations?{PERIOD_QUERY}&language=sv")
    assert status == 200
    assert 'data-conversation="a2-memory-sv"' in page and 'data-conversation="a5-phone-sv"' in page
    assert 'data-conversation="a1-oral-fi"' not in page

    status, _, page = await reviewer.get("/staff/conversations/a5-phone-sv")
    assert status == 200
    assert "&lt;b&gt;nu&lt;/b&gt;" in page and "<b>nu</b>" not in page  # escaped
    assert "040 123 4567" not in page and "131052-308T" not in page
    assert "request_callback" in page and "0,90" in page
    (entry,) = audit_entries(app_db, "view")
    assert (entry.object_type, entry.object_id) == ("conversation", "a5-phone-sv")

    conversation = load_conversation(tracker, "a5-phone-sv")
    event_id = conversation.turns[0].event_id
    path = "/staff/conversations/a5-phone-sv"
    status, headers, _ = await reviewer.post_form(
        f"{path}/corrections", {"event_id": str(event_id), "intent": "need_health_nonurgent"}
    )
    assert status == 303 and headers["Location"].endswith(f"#turn-{event_id}")
    assert audit_entries(app_db, "correct_intent")[0].object_id == "a5-phone-sv"
    _, _, page = await reviewer.get(f"{path}?saved=correction_saved")
    assert "need_health_nonurgent" in page and "Korjaus on tallennettu." in page

    status, headers, body = await reviewer.get("/staff/corrections/nlu_sv.yml")
    assert status == 200 and headers["Content-Type"].startswith("application/yaml")
    assert "attachment" in headers["Content-Disposition"]
    examples = RasaYAMLReader().reads(body).intent_examples
    assert [(e.get("intent"), e.get("text")) for e in examples] == [
        ("need_health_nonurgent", "Ring mig på phone <b>nu</b>, hetu hetu")
    ]
    _, _, finnish = await reviewer.get("/staff/corrections/nlu_fi.yml")
    assert RasaYAMLReader().reads(finnish).intent_examples == []

    status, _, _ = await reviewer.post_form(
        f"{path}/review", {"reviewed": "1", "tags": "väärä intentti, puhelin", "note": "ok"}
    )
    assert status == 303
    with session_scope(app_db) as db:
        state = db.get(ReviewState, "a5-phone-sv")
        assert state.reviewed and state.tags == ["väärä intentti", "puhelin"]
    _, _, page = await reviewer.get(f"/staff/conversations?{PERIOD_QUERY}&reviewed=yes")
    assert 'data-conversation="a5-phone-sv"' in page and "Keskusteluja: 1" in page


async def test_roles_of_the_review_and_analytics_pages(staff, app_db):
    with session_scope(app_db) as db:
        submit_callback(db, _draft("a1-oral-fi"), at(DAY1, 12))
    handler = await staff("hannu.handler")
    reviewer = await staff("rita.reviewer")
    for path in ("/staff/conversations", "/staff/corrections", "/staff/corrections/nlu_fi.yml"):
        assert (await handler.get(path))[0] == 403, path
        assert (await reviewer.get(path))[0] == 200, path
    # A handler opens the conversation behind a callback request, read-only.
    status, _, page = await handler.get("/staff/conversations/a1-oral-fi")
    assert status == 200
    assert 'a1-oral-fi/review"' not in page and 'a1-oral-fi/corrections"' not in page
    # Any other conversation stays closed to a handler, with a reason in their language.
    status, _, page = await handler.get("/staff/conversations/a3-lonely-fi")
    assert status == 403 and TEXTS["sv"]["handler_not_allowed"] in page
    # The same answer for an id that does not exist: no way to probe for ids.
    status, _, page = await handler.get("/staff/conversations/no-such-conversation")
    assert status == 403 and TEXTS["sv"]["handler_not_allowed"] in page
    assert (await reviewer.get("/staff/conversations/a3-lonely-fi"))[0] == 200
    assert (await handler.get(f"/staff/analytics?{PERIOD_QUERY}"))[0] == 200
    assert (await reviewer.get(f"/staff/analytics?{PERIOD_QUERY}"))[0] == 200
    status, _, _ = await handler.post_form(
        "/staff/conversations/a1-oral-fi/review", {"reviewed": "1"}
    )
    assert status == 403
    # A change without the CSRF token is refused even for a reviewer.
    status, _, _ = await reviewer.request(
        "POST", "/staff/conversations/a1-oral-fi/review", data={"reviewed": "1"}
    )
    assert status == 403


async def test_bad_input_gets_an_answer_not_a_crash(staff):
    reviewer = await staff("rita.reviewer")
    path = "/staff/conversations/a4-fallback-fi"
    assert (await reviewer.get("/staff/conversations?from=x&to=2025-02-30&page=abc"))[0] == 200
    assert (await reviewer.get("/staff/conversations/does-not-exist"))[0] == 404
    assert (await reviewer.get(f"/staff/analytics?{PERIOD_QUERY}&format=csv&table=x"))[0] == 404
    for form in ({"event_id": "abc", "intent": "greet"}, {"event_id": "1", "intent": "greet"},
                 {"intent": "greet"}, {"event_id": "1"}):  # fmt: skip
        status, _, page = await reviewer.post_form(f"{path}/corrections", form)
        assert status == 400, form
    assert (await reviewer.post_form("/staff/corrections/999/remove", {}))[0] == 303


async def test_analytics_page_and_csv_show_the_same_numbers(staff):
    handler = await staff("hannu.handler")  # Swedish user interface
    status, _, page = await handler.get(f"/staff/analytics?{PERIOD_QUERY}")
    assert status == 200 and '<html lang="sv">' in page
    assert page.count("<svg") == 3 and "20,0 % (1/5)" in page and "mål 10,0 %" in page
    assert "33,3 % (1/3)" in page  # callback service level

    status, headers, body = await handler.get(
        f"/staff/analytics?{PERIOD_QUERY}&table=outcomes&format=csv"
    )
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="neuvo-outcomes-2025-03-03-2025-03-05.csv"' in headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Hänvisning", "Antal", "Av totalt", "Andel"]
    assert rows[1:] == [
        ["Tidsbokning", "2", "5", "40.0"],
        ["Återuppringning", "1", "5", "20.0"],
        ["Organisationer och församlingar", "1", "5", "20.0"],
        ["Ingen hänvisning", "1", "5", "20.0"],
    ]
    _, _, body = await handler.get(f"/staff/analytics?{PERIOD_QUERY}&table=per_day&format=csv")
    assert list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:] == [
        ["2025-03-03", "2"], ["2025-03-04", "2"], ["2025-03-05", "1"]
    ]  # fmt: skip
    _, _, body = await handler.get(f"/staff/analytics?{PERIOD_QUERY}&table=summary&format=csv")
    summary = dict(list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:])
    assert summary["Samtal"] == "5"
    assert summary["Hänvisade till organisationers och församlingars tjänster (%)"] == "20.0"
    assert summary["Återuppringningar inom utlovad tid (%)"] == "33.3"
    median = (sum(SEEDED_WAITS, timedelta()) / 2).total_seconds() / 60
    assert float(summary["Tid till första samtalsförsöket (median) (min)"]) == round(median, 1)


# --- an admin deletes a conversation (issue 7, retention and deletion) ---------

FI, SV = TEXTS["fi"], TEXTS["sv"]
DELETED = "a2-memory-sv"  # has feedback; the tests add a review mark and a correction
DELETE_PATH = f"/staff/conversations/{DELETED}/delete"


def kept(tracker, app_db, conversation_id: str = DELETED) -> dict[str, int]:
    """What the databases still hold of a conversation."""
    with tracker.connect() as connection:
        events = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :id"), {"id": conversation_id}
        ).scalar_one()
    with session_scope(app_db) as db:
        counts = {
            model.__name__: db.execute(
                select(func.count())
                .select_from(model)
                .where(model.conversation_id == conversation_id)
            ).scalar_one()
            for model in (Feedback, ReviewState, IntentCorrection)
        }
    return {"events": events, **counts}


async def mark_and_correct(staff, tracker) -> None:
    """A reviewer's review mark and intent correction: both belong to the conversation."""
    reviewer = await staff("rita.reviewer")
    path = f"/staff/conversations/{DELETED}"
    event_id = load_conversation(tracker, DELETED).turns[0].event_id
    form = {"event_id": str(event_id), "intent": "need_health_nonurgent"}
    assert (await reviewer.post_form(f"{path}/corrections", form))[0] == 303
    assert (await reviewer.post_form(f"{path}/review", {"reviewed": "1", "note": "ok"}))[0] == 303


async def test_an_admin_deletes_a_conversation_from_its_transcript(staff, app_db, tracker):
    await mark_and_correct(staff, tracker)
    before = kept(tracker, app_db)
    assert all(before.values()), before
    others = kept(tracker, app_db, "a1-oral-fi")
    admin = await staff("aila.admin")

    status, _, page = await admin.get(f"/staff/conversations/{DELETED}")
    assert status == 200
    assert f'action="{DELETE_PATH}"' in page and FI["delete_conversation_intro"] in page
    # The confirmation is a required box: it works without JavaScript.
    assert 'name="confirm" value="1" required' in page and FI["delete_conversation_confirm"] in page
    form = page[page.index(f'action="{DELETE_PATH}"') :]
    assert f'name="csrf_token" value="{admin.csrf}"' in form[: form.index("</form>")]

    # Sent without the ticked box (a browser that ignores `required`, a hand-made
    # request): nothing is deleted and a page asks again, with the same form.
    status, _, page = await admin.post_form(DELETE_PATH, {})
    assert status == 400 and FI["delete_conversation_unconfirmed"] in page
    assert f'action="{DELETE_PATH}"' in page and 'name="confirm"' in page
    assert kept(tracker, app_db) == before

    status, headers, _ = await admin.post_form(DELETE_PATH, {"confirm": "1"})
    assert status == 303
    assert headers["Location"] == "/staff/conversations?saved=conversation_deleted"
    assert not any(kept(tracker, app_db).values())
    assert kept(tracker, app_db, "a1-oral-fi") == others

    (entry,) = audit_entries(app_db, "delete")
    assert (entry.object_type, entry.object_id) == ("conversation", DELETED)
    assert f"{before['events']} events" in entry.detail
    assert f"{before['Feedback']} feedback" in entry.detail and "1 reviews" in entry.detail
    with session_scope(app_db) as db:
        admin_id = db.execute(text("SELECT id FROM staff_users WHERE username = 'aila.admin'"))
        assert entry.user_id == admin_id.scalar_one()

    status, _, page = await admin.get(f"{headers['Location']}&{PERIOD_QUERY}")
    assert status == 200 and FI["conversation_deleted"] in page
    assert f'data-conversation="{DELETED}"' not in page
    assert 'data-conversation="a1-oral-fi"' in page
    assert (await admin.get(f"/staff/conversations/{DELETED}"))[0] == 404

    # Twice (another admin was quicker, or the form was sent again): no error.
    status, headers, _ = await admin.post_form(DELETE_PATH, {"confirm": "1"})
    assert status == 303 and headers["Location"].endswith("saved=conversation_already_deleted")
    _, _, page = await admin.get(headers["Location"])
    assert FI["conversation_already_deleted"] in page


async def test_the_deletion_form_speaks_swedish_to_a_swedish_admin(staff):
    admin = await staff("alva.admin")
    status, _, page = await admin.get(f"/staff/conversations/{DELETED}")
    assert status == 200 and '<html lang="sv">' in page
    for key in ("delete_conversation", "delete_conversation_intro", "delete_conversation_confirm"):
        assert SV[key] in page and FI[key] not in page, key
    status, _, page = await admin.post_form(DELETE_PATH, {"confirm": "0"})
    assert status == 400 and SV["delete_conversation_unconfirmed"] in page
    assert SV["back_to_conversation"] in page
    # The id comes from the address: it is shown escaped.
    status, _, page = await admin.post_form("/staff/conversations/%3Cb%3Ex/delete", {})
    assert status == 400 and "&lt;b&gt;x" in page and "<b>x" not in page


async def test_reviewers_and_handlers_neither_see_nor_may_use_the_deletion(staff, app_db, tracker):
    with session_scope(app_db) as db:  # the handler may open it: it has a callback request
        submit_callback(db, _draft(DELETED), at(DAY1, 12))
    before = kept(tracker, app_db)
    for username, texts in (("rita.reviewer", FI), ("hannu.handler", SV)):
        user = await staff(username)
        status, _, page = await user.get(f"/staff/conversations/{DELETED}")
        assert status == 200, username
        assert "/delete" not in page and 'name="confirm"' not in page, username
        assert texts["delete_conversation"] not in page, username
        status, _, page = await user.post_form(DELETE_PATH, {"confirm": "1"})
        assert status == 403 and texts["forbidden"] in page, username
    # An admin's form without the CSRF token is refused too.
    admin = await staff("aila.admin")
    status, _, _ = await admin.request("POST", DELETE_PATH, data={"confirm": "1"})
    assert status == 403
    assert kept(tracker, app_db) == before
    assert audit_entries(app_db, "delete") == []


# SQLite triggers that fail like a broken disk, at the deletion's first step
# (the tracker store) and at its last (the audit entry, written after every
# row has been deleted but before anything is committed).
FAILING_EVENTS = (
    "CREATE TRIGGER fail_delete BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END"
)
FAILING_AUDIT = (
    "CREATE TRIGGER fail_audit BEFORE INSERT ON staff_audit_log WHEN NEW.action = 'delete'"
    " BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END"
)


async def test_a_database_failure_deletes_nothing_and_gets_a_polite_answer(
    staff, app_db, tracker, caplog
):
    await mark_and_correct(staff, tracker)
    before = kept(tracker, app_db)
    admin = await staff("alva.admin")  # Swedish
    for engine, trigger, name in (
        (tracker, FAILING_EVENTS, "fail_delete"),
        (app_db, FAILING_AUDIT, "fail_audit"),
    ):
        with engine.begin() as connection:
            connection.exec_driver_sql(trigger)
        status, _, page = await admin.post_form(DELETE_PATH, {"confirm": "1"})
        assert status == 503, name
        assert SV["conversation_delete_failed"] in page and 'role="alert"' in page
        assert f'href="/staff/conversations/{DELETED}"' in page
        assert "Traceback" not in page and "simulated" not in page
        # Nothing half-deleted: not the events, nor feedback, reviews or corrections.
        assert kept(tracker, app_db) == before, name
        assert audit_entries(app_db, "delete") == []
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")
    assert "deletion of a conversation failed" in caplog.text

    # The database is back: the same form now deletes.
    status, headers, _ = await admin.post_form(DELETE_PATH, {"confirm": "1"})
    assert status == 303 and headers["Location"].endswith("saved=conversation_deleted")
    assert not any(kept(tracker, app_db).values())
    assert len(audit_entries(app_db, "delete")) == 1


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_in_one_database_the_deletion_is_one_transaction(database, request, tmp_path):
    """PostgreSQL keeps Rasa's events next to the application's tables: the
    deletion and its audit entry commit together or not at all."""
    if database == "postgresql":
        url = request.getfixturevalue("postgres_database")("deletion")
        settings = Settings(var_dir=tmp_path, database_url=url)
        assert settings.tracker_url == settings.database_url
    else:  # the same layout in one SQLite file (Settings gives SQLite two files)
        url = f"sqlite:///{tmp_path / 'one.db'}"
        settings = SimpleNamespace(database_url=url, tracker_url=url)
    engine = engine_for(url)  # the engine bot.retention uses
    try:
        init_db(engine)
        tracker_events.metadata.create_all(engine)
        with engine.begin() as connection:
            for sender_id, count in (("gone", 3), ("stays", 1)):
                row = {"sender_id": sender_id, "type_name": "user", "data": "{}"}
                rows = [{**row, "timestamp": float(n)} for n in range(count)]
                connection.execute(tracker_events.insert(), rows)
        record_rating(engine, "gone", "down", "fi")

        def remaining() -> tuple[int, int]:
            return (
                kept(engine, engine, "gone")["events"] + kept(engine, engine, "stays")["events"],
                kept(engine, engine, "gone")["Feedback"],
            )

        def audit_fails(session, deleted: Deleted) -> None:
            assert deleted.events == 3 and deleted.feedback == 1  # all deleted, not committed
            raise OperationalError("INSERT INTO staff_audit_log", {}, Exception("simulated"))

        with pytest.raises(OperationalError):
            delete_conversation(settings, "gone", audit_fails)
        assert remaining() == (4, 1)
        deleted = delete_conversation(settings, "gone")
        assert (deleted.conversations, deleted.events, deleted.feedback) == (1, 3, 1)
        assert remaining() == (1, 0)
    finally:
        engine.dispose()

"""Need routing end to end: REST channel, trained model, catalogue in SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.catalogue.models import Service
from bot.db import engine_for, session_scope
from bot.routing import allowed_outcomes
from bot.routing import routing_payload_of as routing_of
from tests.conftest import Resident, conversation_id

pytestmark = pytest.mark.stack


def texts(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies if r.get("text"))


def says(settings, sender: str, message: str, language="fi", municipality=None) -> list[dict]:
    return Resident(settings, sender, language, municipality).says(message)


def assert_valid_routing(payload: dict, settings, need: str, language: str) -> None:
    assert payload["need"] == need
    assert payload["outcome"] in allowed_outcomes()[need]
    assert payload["language"] == language
    ids = [s["id"] for s in payload["services"]]
    assert ids, "a routing reply names at least one service"
    with session_scope(engine_for(settings.database_url)) as session:
        known = set(session.execute(select(Service.id).where(Service.id.in_(ids))).scalars())
    assert known == set(ids), "every service comes from the catalogue"
    for service in payload["services"]:
        assert service["provider_type"] in (
            "public",
            "third_sector",
            "parish",
            "national",
            "private",
        )
        assert service["name"]


@pytest.mark.parametrize(
    ("message", "language", "municipality", "need"),
    [
        ("tarvitsen hammaslääkärin", "fi", "049", "oral_health"),
        ("jag behöver en tandläkare", "sv", "710", "oral_health"),
        ("äiti ei enää pärjää kotona yksin", "fi", "Porvoo", "elderly_services"),
        ("jag känner mig så ensam", "sv", "Borgå", "loneliness_peer_support"),
        ("rahat loppu enkä pysty ostamaan ruokaa", "fi", "444", "financial_difficulty"),
    ],
)
def test_first_reply_routes_when_need_and_municipality_are_clear(
    stack, request, message, language, municipality, need
) -> None:
    replies = says(stack.settings, conversation_id(request), message, language, municipality)
    payload = routing_of(replies)
    assert payload is not None, texts(replies)
    assert_valid_routing(payload, stack.settings, need, language)
    assert payload["municipality"] is not None


def test_municipality_is_asked_once_and_remembered(stack) -> None:
    sender = "ask-municipality-1"
    first = says(stack.settings, sender, "tarvitsen hammaslääkärin")
    assert routing_of(first) is None
    assert "kunnassa" in texts(first)
    second = says(stack.settings, sender, "asun Lohjalla")
    payload = routing_of(second)
    assert payload is not None and payload["municipality"] == "444"
    assert_valid_routing(payload, stack.settings, "oral_health", "fi")
    # Remembered: the next need routes at once.
    third = routing_of(says(stack.settings, sender, "olen tosi yksinäinen"))
    assert third is not None and third["municipality"] == "444"


def test_municipality_in_the_message_wins(stack) -> None:
    replies = says(stack.settings, "municipality-in-text", "jag behöver tandvård i Esbo", "sv")
    payload = routing_of(replies)
    assert payload is not None and payload["municipality"] == "049"


CONSENT = {
    "fi": "Voit hoitaa toisen aikuisen asioita hänen luvallaan",
    "sv": "Du kan sköta en annan vuxens ärenden med hens tillstånd",
}


@pytest.mark.parametrize(
    ("sender", "message", "language", "another_adult"),
    [
        ("for-mother-fi", "äitini on tosi yksinäinen", "fi", True),
        ("for-father-sv", "min pappa behöver hemvård", "sv", True),
        ("for-self-fi", "olen tosi yksinäinen", "fi", False),
        ("for-son-sv", "min son behöver tandvård", "sv", False),
    ],
)
def test_help_for_another_adult_says_it_needs_their_consent(
    stack, sender, message, language, another_adult
) -> None:
    replies = says(stack.settings, sender, message, language, "049")
    assert routing_of(replies) is not None, texts(replies)
    assert (CONSENT[language] in texts(replies)) is another_adult


def test_a_new_need_says_for_whom_itself(stack) -> None:
    sender = "for-mother-then-self"
    first = says(stack.settings, sender, "äitini on tosi yksinäinen", "fi", "049")
    assert CONSENT["fi"] in texts(first)
    second = says(stack.settings, sender, "tarvitsen hammaslääkärin", "fi", "049")
    assert routing_of(second) is not None and CONSENT["fi"] not in texts(second)


def test_whom_the_help_is_for_is_kept_while_the_municipality_is_asked(stack) -> None:
    sender = "for-mother-asked-municipality"
    first = says(stack.settings, sender, "äiti tarvitsisi kotihoitoa")
    assert routing_of(first) is None
    second = says(stack.settings, sender, "Lohja")
    assert routing_of(second) is not None
    assert CONSENT["fi"] in texts(second)


@pytest.mark.parametrize(
    ("message", "language", "need", "number"),
    [
        ("isä on tajuton eikä herää", "fi", "emergency", "112"),
        ("min mamma har plötsligt ont i bröstet", "sv", "emergency", "112"),
        ("en halua elää enää", "fi", "mental_health_crisis", "09 2525 0111"),
        ("jag vill inte leva längre", "sv", "mental_health_crisis", "09 2525 0112"),
        ("mieheni lyö minua", "fi", "domestic_violence", "080 005 005"),
    ],
)
def test_crisis_is_answered_first_with_the_number(
    stack, request, message, language, need, number
) -> None:
    replies = says(stack.settings, conversation_id(request), message, language)
    first_text = next(r["text"] for r in replies if r.get("text"))
    assert "112" in first_text.splitlines()[0]
    assert number in texts(replies)
    payload = routing_of(replies)
    assert payload["outcome"] == "emergency" and payload["need"] == need


@pytest.mark.parametrize(
    ("message", "language", "poison_centre_listed"),
    [
        ("lapsi joi pesuainetta eikä ole oma itsensä", "fi", True),
        ("min mamma har plötsligt ont i bröstet", "sv", False),
    ],
)
def test_the_poison_centre_is_beside_112_only_for_a_poisoning(
    stack, request, message, language, poison_centre_listed
) -> None:
    replies = says(stack.settings, conversation_id(request), message, language)
    assert "112" in texts(replies).splitlines()[0]
    assert ("0800 147 111" in texts(replies)) is poison_centre_listed


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("pelkään että naapurin lasta lyödään, isä lyö häntä joka ilta", "fi"),
        ("grannflickan sa att hennes pappa slår henne, hur gör jag en barnskyddsanmälan", "sv"),
        # The writer is the child: "I am 14".
        ("oon 14 ja isä lyö mua kun se juo", "fi"),
        ("ja e 15 och styvpappa slår mig, vågar int gå hem", "sv"),
    ],
)
def test_a_child_being_hit_is_routed_to_child_welfare_with_112_first(
    stack, request, message, language
) -> None:
    """The words of violence fire the safety net; the child is the one hit (docs/need_labels.md)."""
    replies = says(stack.settings, conversation_id(request), message, language)
    assert "112" in texts(replies).splitlines()[0]
    assert "080 005 005" not in texts(replies), "Nollalinja is for violence between adults"
    payload = routing_of(replies)
    assert (payload["need"], payload["outcome"]) == ("child_welfare_concern", "emergency")
    assert_valid_routing(payload, stack.settings, "child_welfare_concern", language)


def test_crisis_interrupts_the_feedback_form(stack) -> None:
    sender = "crisis-in-form"
    says(stack.settings, sender, "heippa")
    asked = says(stack.settings, sender, "/feedback_negative")
    assert any(b["payload"] == "/deny" for r in asked for b in r.get("buttons") or [])
    replies = says(stack.settings, sender, "nyt rintaan sattuu tosi kovaa")
    assert "112" in texts(replies).splitlines()[0]
    assert routing_of(replies)["outcome"] == "emergency"


@pytest.mark.parametrize("page_language", ["fi", "sv"])
def test_english_is_routed_to_services_in_other_languages(stack, request, page_language) -> None:
    """needs.yml: immigrant_services covers "need service in English or another language"."""
    sender = conversation_id(request)
    replies = says(
        stack.settings, sender, "Hello, I moved here last month and need help in English",
        page_language, "049",
    )  # fmt: skip
    assert "suomeksi" in texts(replies) and "svenska" in texts(replies)
    payload = routing_of(replies)
    assert_valid_routing(payload, stack.settings, "immigrant_services", page_language)
    assert any(s["provider_type"] == "public" for s in payload["services"])


def test_english_thanks_are_not_routed(stack, request) -> None:
    replies = says(stack.settings, conversation_id(request), "thank you very much", "fi", "049")
    assert "suomeksi" in texts(replies)
    assert routing_of(replies) is None

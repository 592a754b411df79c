"""End-to-end conversations through the real REST channel against the trained model."""

from __future__ import annotations

import pytest

from bot.db import engine_for
from bot.feedback import feedback_for
from bot.language import identify
from bot.routing import routing_payload_of as routing_of

pytestmark = pytest.mark.stack


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if r.get("text")]


def language_of(replies: list[dict]) -> str | None:
    joined = " ".join(texts(replies))
    assert joined, f"no text in {replies}"
    return identify(joined).code


def buttons(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in r.get("buttons") or []]


@pytest.mark.parametrize(
    ("page", "message", "expected"),
    [
        ("fi", "hei", "fi"),
        ("sv", "hej", "sv"),
        ("fi", "mitä sä osaat", "fi"),
        ("sv", "vad kan du hjälpa mig med", "sv"),
        # What the resident writes wins over the page language ...
        ("fi", "hej, vad kan du hjälpa till med", "sv"),
        ("sv", "moi, mitä kaikkea osaat", "fi"),
        # ... and no page language at all still works.
        (None, "hur fungerar det här", "sv"),
        (None, "miten tämä toimii", "fi"),
    ],
)
def test_answers_in_the_language_written(resident, page, message, expected) -> None:
    assert language_of(resident(page).says(message)) == expected


def test_greeting_names_112_and_what_it_does(resident) -> None:
    for page, greeting in (("fi", "hei"), ("sv", "hej")):
        reply = " ".join(texts(resident(page).says(greeting)))
        assert "112" in reply
        assert "Neuvo" in reply


def test_language_switch_mid_conversation(resident) -> None:
    r = resident("fi")
    assert language_of(r.says("moi")) == "fi"
    # An explicit request switches ...
    assert language_of(r.says("voinko asioida ruotsiksi")) == "sv"
    # ... courtesy words in the old language do not switch back ...
    assert language_of(r.says("kiitos")) == "sv"
    assert language_of(r.says("ok")) == "sv"
    # ... a clear Finnish sentence does, and so does a button.
    assert language_of(r.says("kiitos, mitä muuta osaat tehdä")) == "fi"
    assert language_of(r.says("/language_sv")) == "sv"
    assert language_of(r.says("vad kan du göra")) == "sv"


def test_tack_on_a_finnish_page_stays_finnish(resident) -> None:
    r = resident("fi")
    r.says("hei")
    assert language_of(r.says("tack")) == "fi"


def test_english_gets_a_bilingual_note(resident) -> None:
    replies = resident("fi").says("Hello, I need help, do you speak English?")
    reply = " ".join(texts(replies))
    assert "suomeksi" in reply and "svenska" in reply
    assert "112" in reply
    assert {"/language_fi", "/language_sv"} <= {b["payload"] for b in buttons(replies)}
    # No municipality known: no question in a language they may not read.
    assert routing_of(replies) is None


@pytest.mark.parametrize(
    ("word", "place", "code", "need"),
    [
        ("hemvård", "Esbo", "049", "home_care"),
        ("mathjälp", "Hangö", "078", "financial_difficulty"),
    ],
)
def test_one_word_answers_are_understood(resident, word, place, code, need) -> None:
    """Neither a compound nor a town's name is taken for gibberish (bot/nlu/unknown_words.py)."""
    r = resident("sv")
    r.says(word)  # the need, then the municipality it asks for
    routed = routing_of(r.says(place))
    assert routed and (routed["need"], routed["municipality"]) == (need, code), routed


def test_two_stage_fallback_offers_topics_then_gives_up_politely(resident) -> None:
    r = resident("fi")
    first = r.says("asdkj qwe zzkx")
    offered = [b["payload"] for b in buttons(first)]
    assert offered[-1] == "/out_of_scope", offered
    assert len(offered) >= 2, "at least one likely topic besides 'something else'"
    assert language_of(first) == "fi"
    # None of them: asked to rephrase.
    rephrase = r.says("/out_of_scope")
    assert "toisin sanoin" in " ".join(texts(rephrase))
    # Still not understood, still none of them: a human way forward and the numbers.
    r.says("blorp zzkx qwe")
    gave_up = " ".join(texts(r.says("/out_of_scope")))
    assert "116117" in gave_up and "112" in gave_up


def test_fallback_topic_button_continues_the_conversation(resident) -> None:
    r = resident("sv")
    offered = [b for b in buttons(r.says("asdkj zzkx")) if b["payload"] != "/out_of_scope"]
    assert offered
    chosen = offered[0]
    reply = r.says(chosen["payload"])
    assert texts(reply)
    assert not any(b["payload"] == "/out_of_scope" for b in buttons(reply))


def test_out_of_scope(resident) -> None:
    reply = " ".join(texts(resident("fi").says("millainen sää on huomenna")))
    assert "sosiaali- ja terveyspalvel" in reply


def test_feedback_with_comment_is_stored_redacted(resident, settings) -> None:
    r = resident("sv")
    r.says("hej")
    asked = r.says("hej då")
    assert {b["payload"] for b in buttons(asked)} == {"/feedback_positive", "/feedback_negative"}
    comment_question = r.says("/feedback_negative")
    assert [b["payload"] for b in buttons(comment_question)] == ["/deny"]
    thanks = r.says("det tog för lång tid, ring mig på 040 123 4567")
    assert language_of(thanks) == "sv"
    stored = feedback_for(engine_for(settings.database_url), r.sender)
    assert [f.rating for f in stored] == ["down"]
    assert stored[0].comment == "det tog för lång tid, ring mig på [phone]"
    assert stored[0].language == "sv"


def test_feedback_comment_can_be_skipped(resident, settings) -> None:
    r = resident("fi")
    r.says("heippa")
    r.says("/feedback_negative")
    assert texts(r.says("/deny"))
    stored = feedback_for(engine_for(settings.database_url), r.sender)
    assert [(f.rating, f.comment) for f in stored] == [("down", None)]


def test_positive_feedback_is_stored(resident, settings) -> None:
    r = resident("fi")
    r.says("kiitos ja heippa")
    r.says("/feedback_positive")
    stored = feedback_for(engine_for(settings.database_url), r.sender)
    assert [f.rating for f in stored] == ["up"]


@pytest.mark.parametrize(
    "message",
    [
        "<script>alert('x')</script>",
        "'; DROP TABLE events; --",
        "a" * 5000,
        "\x00\x01\x02 binääri",
        "😀😀😀",
        "12345",
    ],
)
def test_odd_input_gets_an_answer(resident, message) -> None:
    r = resident("fi")
    replies = r.says(message)
    assert texts(replies), f"no answer to {message[:30]!r}"
    # The conversation goes on afterwards.
    assert language_of(r.says("hei")) == "fi"

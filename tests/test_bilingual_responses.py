"""Every resident-facing text exists in Finnish and Swedish, and is written in it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.language import SERVICE_LANGUAGES, identify
from bot.messages import messages
from bot.messages import text as message_text
from bot.topics import topic_labels
from bot.web.ui_texts import UI_TEXTS

DOMAIN = Path(__file__).resolve().parents[1] / "domain"
# Texts that deliberately carry both languages in each variation.
BILINGUAL_BY_DESIGN = {"utter_english_note"}


def domain_responses() -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        responses.update(
            (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        )
    return responses


def variation_language(variation: dict) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("type") == "slot" and condition.get("name") == "language":
            return condition.get("value")
    return None


def test_the_domain_has_responses() -> None:
    assert len(domain_responses()) >= 10


@pytest.mark.parametrize("name", sorted(domain_responses()))
def test_response_has_one_variation_per_language(name: str) -> None:
    variations = domain_responses()[name]
    languages = [variation_language(v) for v in variations]
    assert sorted(languages) == sorted(SERVICE_LANGUAGES), f"{name}: variations for {languages}"
    by_language = {variation_language(v): v for v in variations}
    for language, variation in by_language.items():
        assert (variation.get("text") or "").strip(), f"{name} ({language}) has no text"
    # Buttons: the same payloads in both languages, each with a title; only
    # the offer of the other language differs.
    payloads = {
        lang: [
            b["payload"]
            for b in v.get("buttons") or []
            if not b["payload"].startswith("/language_")
        ]
        for lang, v in by_language.items()
    }
    assert sorted(payloads["fi"]) == sorted(payloads["sv"]), name
    for variation in variations:
        assert all((b.get("title") or "").strip() for b in variation.get("buttons") or [])


@pytest.mark.parametrize("name", sorted(set(domain_responses()) - BILINGUAL_BY_DESIGN))
def test_response_is_written_in_its_language(name: str) -> None:
    for variation in domain_responses()[name]:
        language = variation_language(variation)
        assert identify(variation["text"]).code == language, f"{name} ({language})"


@pytest.mark.parametrize(
    ("source", "table"),
    [("bot/content/messages.yml", messages()), ("bot/content/topics.yml", topic_labels())],
)
def test_action_texts_exist_in_both_languages(source: str, table: dict) -> None:
    for key, texts in table.items():
        assert set(texts) == set(SERVICE_LANGUAGES), f"{source}: {key}"
        for language, text in texts.items():
            assert text.strip(), f"{source}: {key} ({language})"
            # Labels of two or three words are too short to judge reliably.
            if len(text.split()) >= 4:
                assert identify(text).code == language, f"{source}: {key} ({language})"


def test_web_ui_texts_exist_in_both_languages() -> None:
    assert set(UI_TEXTS) == set(SERVICE_LANGUAGES)
    assert set(UI_TEXTS["fi"]) == set(UI_TEXTS["sv"])
    for language, texts in UI_TEXTS.items():
        for key, text in texts.items():
            assert text.strip(), f"{key} ({language})"
            if len(text.split()) >= 4:
                assert identify(text).code == language, f"{key} ({language})"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_a_date_at_the_end_of_a_sentence_gets_one_period(language) -> None:
    said = message_text("cb_already_saved", language, reference="K7Q-4MX", when="27.11.")
    assert said.endswith(" 27.11.") and ".." not in said
    assert message_text("cb_already_saved", language, reference="K7Q-4MX", when="12–16").endswith(
        "16."
    )

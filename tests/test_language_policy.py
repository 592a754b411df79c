"""The conversation's language decision (bot/language/policy.py), on real identifier output."""

from __future__ import annotations

import pytest

from bot.language import TextLanguage, identify, next_language, page_language, words_of


def verdict(text: str) -> TextLanguage:
    guess = identify(text)
    return TextLanguage(guess.code, guess.confidence, guess.evidence, words_of(text))


def decide(text: str, current="fi", previous_page="fi", page="fi", intent=None) -> str:
    return next_language(current, previous_page, page, verdict(text), intent)


@pytest.mark.parametrize("word", ["ok", "kiitos", "kiitti", "tack", "hei", "hej", "moi", "joo"])
@pytest.mark.parametrize("current", ["fi", "sv"])
def test_courtesy_words_never_flip_the_language(word: str, current: str) -> None:
    assert decide(word, current=current, previous_page=current, page=current) == current


def test_a_clear_sentence_in_the_other_language_switches() -> None:
    assert decide("jag behöver hjälp med min mamma") == "sv"
    assert decide("tarvitsen apua äidilleni", current="sv", previous_page="sv", page="sv") == "fi"


def test_one_telling_content_word_is_enough() -> None:
    assert decide("tandläkare") == "sv"
    assert decide("hammaslääkäri", current="sv", previous_page="sv", page="sv") == "fi"


def test_page_language_is_the_prior_at_the_start() -> None:
    assert decide("ok", current="fi", previous_page=None, page="sv") == "sv"
    # ... but clear text in the other language still wins on the first message.
    assert decide("tarvitsen hammaslääkärin", current="fi", previous_page=None, page="sv") == "fi"


def test_a_changed_page_language_becomes_the_prior() -> None:
    assert decide("ok", current="fi", previous_page="fi", page="sv") == "sv"


def test_explicit_request_always_wins() -> None:
    assert decide("kiitos", current="fi", intent="language_sv") == "sv"
    assert decide("tack", current="sv", previous_page="sv", page="sv", intent="language_fi") == "fi"


def test_english_and_no_evidence_keep_the_language() -> None:
    assert decide("I need a doctor please", current="sv", previous_page="sv", page="sv") == "sv"
    assert decide("😀 123", current="sv", previous_page="sv", page="sv") == "sv"


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"language": "sv"}, "sv"),
        ({"language": "fi-FI"}, "fi"),
        ({"language": "SV"}, "sv"),
        ({"language": "en"}, None),
        ({"language": 7}, None),
        ({}, None),
        (None, None),
    ],
)
def test_page_language_from_metadata(metadata, expected) -> None:
    assert page_language(metadata) == expected

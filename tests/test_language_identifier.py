"""Unit tests of the language identifier (bot/language/identifier.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.language import identify

UD = (
    Path(os.environ.get("NEUVO_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    / "data"
    / "ud"
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("hammaslääkäri", "fi"),
        ("tarvitsen apua", "fi"),
        ("mul on hammassärky", "fi"),
        ("Espoossa", "fi"),
        ("hammaslaakari", "fi"),  # no dots on the keyboard
        ("tandläkare", "sv"),
        ("jag behöver hjälp", "sv"),
        ("i Esbo", "sv"),
        ("på svenska", "sv"),
        ("ja behöver nån som hjälper mamma", "sv"),
        ("I need a doctor", "en"),
        ("do you speak english", "en"),
        # A greeting and a name from the other language: names count for less
        # than the words around them, so the greeting decides.
        ("Hej Matti Meikäläinen", "sv"),
        ("Moi Karl-Erik Lindqvist", "fi"),
        ("Tack Pirjo Heikkinen", "sv"),
    ],
)
def test_short_messages(text: str, code: str) -> None:
    assert identify(text).code == code


@pytest.mark.parametrize("text", ["", "   ", "😀", "123 456", "!!!", "\x00\x01"])
def test_no_evidence_gives_null(text: str) -> None:
    guess = identify(text)
    assert guess.code is None
    assert guess.as_dict() == {"code": None, "confidence": 0.0}


def test_a_capitalised_word_starting_a_sentence_is_not_taken_for_a_name() -> None:
    # "Hej." ends a sentence, so "Kiitos" starts one and counts fully; as a
    # name it would count for less than "Hej".
    assert identify("Hej. Kiitos").code == "fi"
    assert identify("Hej Kiitos").code == "sv"
    # So does a new line.
    assert identify("Hej\nKiitos").code == "fi"


def test_ambiguous_word_is_not_confident() -> None:
    assert identify("ok").confidence < 0.9


def test_more_words_more_evidence() -> None:
    assert identify("jag behöver hjälp med tandvården").evidence > identify("jag").evidence


def test_confidence_is_a_probability() -> None:
    for text in ("kiitos", "tack", "hello there", "ok"):
        assert 0.0 <= identify(text).confidence <= 1.0


def test_huge_and_odd_input_does_not_crash() -> None:
    assert identify("hei " * 20000).code == "fi"
    assert identify("a" * 5000).code in ("en", "fi", "sv")
    assert identify("hammaslääkäri" * 400).code == "fi"
    assert identify("<script>alert(1)</script> DROP TABLE users;--").code in ("en", "fi", "sv")


def _accuracy(name: str, code: str, words: int, limit: int = 400) -> float:
    lines = [s for s in (UD / name).read_text(encoding="utf-8").splitlines() if s.strip()]
    prefixes = [" ".join(s.split()[:words]) for s in lines[:limit] if len(s.split()) >= words]
    return sum(identify(p).code == code for p in prefixes) / len(prefixes)


@pytest.mark.skipif(not UD.exists(), reason="shared/data/ud is not beside the project")
def test_real_sentences_two_word_prefixes() -> None:
    # The full measurement is bench/language_id.py; this guards against regressions.
    assert _accuracy("fi_tdt-dev.txt", "fi", 2) >= 0.97
    assert _accuracy("sv_talbanken-dev.txt", "sv", 2) >= 0.98
